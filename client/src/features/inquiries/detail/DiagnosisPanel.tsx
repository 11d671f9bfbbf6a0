import Alert from '@mui/material/Alert';
import Stack from '@mui/material/Stack';
import type { RouterOutputs } from '../../../lib/trpc';
import { SectionCard } from './SectionCard';

type Finding = RouterOutputs['inquiries']['get']['diagnosis'][number];

const RANK: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };

/** The server's reading of why the end user may be stuck, most serious first. */
export function DiagnosisPanel({ findings }: { findings: readonly Finding[] }) {
  const sorted = [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  return (
    <SectionCard title="Why it may be stuck">
      <Stack spacing={1}>
        {sorted.length === 0 ? (
          <Alert severity="success">Nothing stands out: the inquiry looks healthy.</Alert>
        ) : (
          sorted.map((finding, index) => (
            <Alert key={index} severity={finding.severity}>
              {finding.message}
            </Alert>
          ))
        )}
      </Stack>
    </SectionCard>
  );
}
