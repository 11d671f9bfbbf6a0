import Box from '@mui/material/Box';
import type { TemplateDetail } from '@shared/templates.js';
import { DurationHistogram } from './DurationHistogram';
import { OpenByVersionChart } from './OpenByVersionChart';

/** Where the open inquiries are: on which versions (by status), and how old they are. */
export function OpenInquiriesCharts({ template }: { template: TemplateDetail }) {
  return (
    <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' } }}>
      <OpenByVersionChart versions={template.versions} />
      <DurationHistogram
        title="Age of open inquiries"
        buckets={template.openAge}
        what="open inquiries"
        cutoffs={[]}
        mostly={(range) => `Most are ${range} old`}
      />
    </Box>
  );
}
