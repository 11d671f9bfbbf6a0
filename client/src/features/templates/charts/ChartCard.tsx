import TableChartOutlinedIcon from '@mui/icons-material/TableChartOutlined';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Stack from '@mui/material/Stack';
import ToggleButton from '@mui/material/ToggleButton';
import Typography from '@mui/material/Typography';
import { useId, useState, type ReactNode } from 'react';

export interface ChartCardProps {
  title: string;
  /** The chart's text alternative: shown under the title, and the description of the chart image. */
  summary: string;
  /** The chart (an image to assistive technology: the summary describes it, the table view holds its data). */
  chart: ReactNode;
  /** The same data as a table, labelled with the title. */
  table: ReactNode;
  /** A note under the chart (what the lines mean). */
  footnote?: ReactNode;
}

/**
 * A chart with its text alternative and a "Table view" toggle that shows the same data as a table, for anyone
 * who would rather read numbers (or cannot see the bars).
 */
export function ChartCard({ title, summary, chart, table, footnote }: ChartCardProps) {
  const titleId = useId();
  const summaryId = useId();
  const [tableView, setTableView] = useState(false);
  return (
    <Card component="section" aria-labelledby={titleId} sx={{ minWidth: 0 }}>
      <CardContent>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start', justifyContent: 'space-between', mb: 1 }}>
          <Box sx={{ minWidth: 0 }}>
            <Typography id={titleId} variant="h3" component="h2">
              {title}
            </Typography>
            <Typography id={summaryId} variant="body2" color="text.secondary">
              {summary}
            </Typography>
          </Box>
          <ToggleButton value="table" size="small" selected={tableView} onChange={() => setTableView((v) => !v)} sx={{ flexShrink: 0, gap: 0.5, py: 0.25, textTransform: 'none' }}>
            <TableChartOutlinedIcon fontSize="small" aria-hidden />
            Table view
          </ToggleButton>
        </Stack>
        {tableView ? (
          table
        ) : (
          <Box role="img" aria-label={title} aria-describedby={summaryId} sx={{ width: '100%' }}>
            {chart}
          </Box>
        )}
        {footnote ? (
          <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
            {footnote}
          </Typography>
        ) : null}
      </CardContent>
    </Card>
  );
}
