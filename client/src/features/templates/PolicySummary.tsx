import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Box from '@mui/material/Box';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { RelativeTime } from '../../components/RelativeTime';
import { describeCaps, describePolicy, type PolicyIntervals } from './policy';

export interface PolicySummaryProps {
  policy: (PolicyIntervals & { revisionId: number; createdAt: Date }) | null;
  /** The console's own caps, where known (the template's page): null reads "server default". */
  caps?: { tokenLinkMaxMinutes: number | null; resumeCooldownMinutes: number | null } | undefined;
}

/** The expiration policy in force, as a definition list a manager reads at a glance. */
export function PolicySummary({ policy, caps }: PolicySummaryProps) {
  if (!policy) {
    return (
      <Typography variant="body2" color="text.secondary">
        No expiration policy recorded: the defaults apply (24 h after creation and resume, 1 h for one-time links).
      </Typography>
    );
  }
  return (
    <Box>
      <Typography variant="subtitle2" component="h3" gutterBottom>
        Expiration policy in force
      </Typography>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0 }}>
        {[...describePolicy(policy), ...(caps ? describeCaps(caps) : [])].map((row) => (
          <Box key={row.label} sx={{ display: 'contents' }}>
            <Typography component="dt" variant="body2" color="text.secondary">
              {row.label}
            </Typography>
            <Typography component="dd" variant="body2" sx={{ m: 0, fontWeight: 500 }}>
              {row.value}
              {row.long ? (
                <Tooltip title="Longer than the 15 days Persona recommends" describeChild>
                  <WarningAmberIcon color="warning" sx={{ fontSize: 16, ml: 0.5, verticalAlign: 'text-bottom' }} aria-label="Longer than recommended" />
                </Tooltip>
              ) : null}
            </Typography>
          </Box>
        ))}
      </Box>
      <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
        Revision {policy.revisionId}, in force since <RelativeTime value={policy.createdAt} variant="caption" />. Expiry is computed when an inquiry is created,
        started or resumed.
      </Typography>
    </Box>
  );
}

