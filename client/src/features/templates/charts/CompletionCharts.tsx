import Box from '@mui/material/Box';
import { PREVIEW_WINDOW_DAYS, type TemplateDetail } from '@shared/templates.js';
import type { Cutoff } from './buckets';
import { DurationHistogram } from './DurationHistogram';

interface Cutoffs {
  creation: number;
  start: number;
}

export interface CompletionChartsProps {
  histograms: TemplateDetail['histograms'];
  /** The cut-offs of the policy in force. */
  current: Cutoffs;
  /** The cut-offs being typed in the editor, when they differ from the policy in force. */
  proposed: Cutoffs | null;
  columns: 1 | 2;
}

function cutoffs(current: number, proposed: number | undefined): Cutoff[] {
  const lines: Cutoff[] = [{ minutes: current, kind: 'current' }];
  if (proposed !== undefined && proposed !== current) lines.push({ minutes: proposed, kind: 'proposed' });
  return lines;
}

/**
 * How long finished inquiries of the last 90 days took, from creation and from start, with the policy's
 * cut-offs: the bars right of a line are the end users that policy would have locked out.
 */
export function CompletionCharts({ histograms, current, proposed, columns }: CompletionChartsProps) {
  return (
    <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: columns === 2 ? '1fr 1fr' : '1fr' }, minWidth: 0 }}>
      <DurationHistogram
        title={`Time from creation to completion (last ${PREVIEW_WINDOW_DAYS} days)`}
        buckets={histograms.creationToCompletion}
        what="inquiries completed"
        cutoffs={cutoffs(current.creation, proposed?.creation)}
      />
      <DurationHistogram
        title={`Time from start to completion (last ${PREVIEW_WINDOW_DAYS} days)`}
        buckets={histograms.startToCompletion}
        what="inquiries completed"
        cutoffs={cutoffs(current.start, proposed?.start)}
        color="secondary"
      />
    </Box>
  );
}
