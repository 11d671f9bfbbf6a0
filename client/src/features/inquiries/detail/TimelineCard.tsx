import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { RelativeTime } from '../../../components/RelativeTime';
import type { RouterOutputs } from '../../../lib/trpc';
import { SectionCard } from './SectionCard';

type TimelineEvent = RouterOutputs['inquiries']['get']['timeline'][number];

/** Kinds whose words alone would not say what happened. */
const KIND_LABELS: Record<string, string> = {
  // server/repositories/inquiry-store/bare-id.ts: opened by someone who had only the inquiry id.
  started_from_bare_id: 'Started from a link without a code or session token',
};

/** "inquiry.session_created" → "Inquiry session created". */
export function describeKind(kind: string): string {
  const label = KIND_LABELS[kind];
  if (label) return label;
  const words = kind.split(/[._]+/).filter(Boolean).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean)}`)
    .join(' · ');
}

/** The inquiry's history, newest first, as a vertical line of events. */
export function TimelineCard({ events }: { events: readonly TimelineEvent[] }) {
  const newestFirst = [...events].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || b.id - a.id);
  return (
    <SectionCard title="Timeline">
      {newestFirst.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          No events recorded.
        </Typography>
      ) : (
        <Box component="ol" aria-label="Timeline" sx={{ listStyle: 'none', m: 0, p: 0 }}>
          {newestFirst.map((event, index) => {
            const detail = describeDetail(event.detail);
            return (
              <Box
                component="li"
                key={event.id}
                sx={{
                  position: 'relative',
                  pl: 3,
                  pb: index === newestFirst.length - 1 ? 0 : 2,
                  // The line and the dot: drawn, not markup, so screen readers read a plain list.
                  '&::before': {
                    content: '""',
                    position: 'absolute',
                    left: 5,
                    top: 14,
                    bottom: 0,
                    width: 2,
                    bgcolor: 'divider',
                    display: index === newestFirst.length - 1 ? 'none' : 'block',
                  },
                  '&::after': {
                    content: '""',
                    position: 'absolute',
                    left: 0,
                    top: 4,
                    width: 12,
                    height: 12,
                    borderRadius: '50%',
                    bgcolor: index === 0 ? 'primary.main' : 'background.paper',
                    border: 2,
                    borderColor: 'primary.main',
                  },
                }}
              >
                <Box sx={{ display: 'flex', gap: 1, alignItems: 'baseline', flexWrap: 'wrap' }}>
                  <Typography variant="body2" sx={{ fontWeight: 600 }} title={event.kind}>
                    {describeKind(event.kind)}
                  </Typography>
                  <RelativeTime value={event.occurredAt} variant="caption" color="text.secondary" />
                </Box>
                {detail ? (
                  <Typography variant="caption" color="text.secondary" component="p" sx={{ overflowWrap: 'anywhere' }}>
                    {detail}
                  </Typography>
                ) : null}
              </Box>
            );
          })}
        </Box>
      )}
    </SectionCard>
  );
}
