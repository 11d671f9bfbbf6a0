import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import ArrowForwardIcon from '@mui/icons-material/ArrowForward';
import Link from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router';
import { StatusChip } from '../../../components/StatusChip';
import type { RouterOutputs } from '../../../lib/trpc';
import { MONOSPACE } from '../../../theme/theme';
import { SectionCard } from './SectionCard';

type Inquiry = RouterOutputs['inquiries']['get'];
type Relative = NonNullable<Inquiry['predecessor']>;

function RelativeLink({ label, relative, icon }: { label: string; relative: Relative | null; icon: ReactNode }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      {icon}
      <Typography variant="body2" color="text.secondary" sx={{ minWidth: 90 }}>
        {label}
      </Typography>
      {relative ? (
        <>
          <Link component={RouterLink} to={`/inquiries/${relative.id}`} sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
            {relative.id}
          </Link>
          <StatusChip status={relative.status} />
        </>
      ) : (
        <Typography variant="body2" color="text.secondary">
          none
        </Typography>
      )}
    </Stack>
  );
}

/** Recreating an inquiry on the latest version links the old one to exactly one successor. */
export function LineageCard({ inquiry }: { inquiry: Inquiry }) {
  return (
    <SectionCard title="Predecessor and successor">
      <Stack spacing={1}>
        <RelativeLink label="Predecessor" relative={inquiry.predecessor} icon={<ArrowBackIcon fontSize="small" color="action" />} />
        <RelativeLink label="Successor" relative={inquiry.successor} icon={<ArrowForwardIcon fontSize="small" color="action" />} />
      </Stack>
    </SectionCard>
  );
}
