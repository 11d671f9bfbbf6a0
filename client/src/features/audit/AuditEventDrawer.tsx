import CloseIcon from '@mui/icons-material/Close';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import Drawer from '@mui/material/Drawer';
import IconButton from '@mui/material/IconButton';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useId, type ReactNode } from 'react';
import { Link as RouterLink } from 'react-router';
import { formatAuditQuery } from '@shared/audit-query.js';
import { CopyButton } from '../../components/CopyButton';
import { RelativeTime } from '../../components/RelativeTime';
import { formatAbsolute } from '../../lib/time';
import type { AuditEvent } from './hooks';

const ACTOR_TYPE_LABELS: Record<AuditEvent['actor']['type'], string> = { staff: 'Staff', partner: 'Partner API key', system: 'System' };

/** The search that lists everything this actor did: by email for staff (as people type it), else by id. */
export function actorQuery(actor: AuditEvent['actor']): string | null {
  if (actor.type === 'staff' && actor.display && /^[^\s@]+@[^\s@]+$/.test(actor.display)) return formatAuditQuery({ actor: actor.display.toLowerCase() });
  return actor.id ? formatAuditQuery({ actor: actor.id }) : null;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="section" aria-label={title}>
      <Typography variant="overline" component="h3" color="text.secondary">
        {title}
      </Typography>
      <Stack spacing={0.5}>{children}</Stack>
    </Box>
  );
}

function Fact({ label, value, copy }: { label: string; value: string | null; copy?: string }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'baseline' }}>
      <Typography variant="body2" color="text.secondary" sx={{ minWidth: 110, flexShrink: 0 }}>
        {label}
      </Typography>
      <Typography variant="body2" sx={{ minWidth: 0, wordBreak: 'break-word', color: value === null ? 'text.secondary' : undefined }}>
        {value ?? 'Not recorded'}
      </Typography>
      {value !== null && copy ? <CopyButton value={value} label={copy} /> : null}
    </Stack>
  );
}

function shownValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A change's before and after, field by field (policy edits record both), the changed fields marked. */
function Changes({ before, after }: { before: Record<string, unknown>; after: Record<string, unknown> }) {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return (
    <Table size="small" aria-label="Before and after">
      <TableHead>
        <TableRow>
          <TableCell>Field</TableCell>
          <TableCell>Before</TableCell>
          <TableCell>After</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {fields.map((field) => {
          const changed = JSON.stringify(before[field]) !== JSON.stringify(after[field]);
          return (
            <TableRow key={field} sx={changed ? { bgcolor: 'action.selected' } : undefined}>
              <TableCell component="th" scope="row">
                {field}
                {changed ? (
                  <Chip size="small" label="changed" variant="outlined" color="primary" sx={{ ml: 1 }} />
                ) : null}
              </TableCell>
              <TableCell>{shownValue(before[field])}</TableCell>
              <TableCell>{shownValue(after[field])}</TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

export interface AuditEventDrawerProps {
  event: AuditEvent | null;
  onClose: () => void;
  /** Sets the page's search (the person's other events, the inquiry's trail). */
  onSearch: (query: string) => void;
}

/** One event in full: who, what, when, why, from where, what changed, and its place in the chain. */
export function AuditEventDrawer({ event, onClose, onSearch }: AuditEventDrawerProps) {
  const titleId = useId();
  const { before, after, ...details } = event?.metadata ?? {};
  const changes = isRecord(before) && isRecord(after) ? { before, after } : null;
  const otherDetails = Object.entries(changes ? details : (event?.metadata ?? {}));
  const byActor = event ? actorQuery(event.actor) : null;

  return (
    <Drawer
      anchor="right"
      open={event !== null}
      onClose={onClose}
      // Above the app bar, which sits over the navigation drawer (layout/AppShell.tsx).
      sx={{ zIndex: (theme) => theme.zIndex.modal }}
      slotProps={{ paper: { role: 'dialog', 'aria-labelledby': titleId, sx: { width: { xs: '100%', sm: 520 }, boxSizing: 'border-box', p: 3 } } }}
    >
      {event ? (
        <Stack spacing={2.5}>
          <Stack direction="row" sx={{ alignItems: 'flex-start', justifyContent: 'space-between' }}>
            <Box>
              <Typography id={titleId} variant="h2" component="h2" sx={{ fontFamily: 'monospace', fontSize: '1.25rem' }}>
                {event.action}
              </Typography>
              <Typography variant="body2" color="text.secondary">
                Event #{event.seq}
              </Typography>
            </Box>
            <IconButton aria-label="Close" onClick={onClose}>
              <CloseIcon />
            </IconButton>
          </Stack>

          <Section title="Who">
            <Fact label={ACTOR_TYPE_LABELS[event.actor.type]} value={event.actor.display} />
            <Fact label="Actor id" value={event.actor.id} copy="actor id" />
            {byActor ? (
              <Box>
                <Button size="small" onClick={() => onSearch(byActor)}>
                  Their other events
                </Button>
              </Box>
            ) : null}
          </Section>

          <Section title="What">
            <Fact label="Action" value={event.action} />
            <Fact label="Target" value={event.target ? `${event.target.type} ${event.target.id}` : null} copy="target id" />
            {event.inquiryId ? (
              <Stack direction="row" spacing={1}>
                <Button size="small" component={RouterLink} to={`/inquiries/${event.inquiryId}`}>
                  Open inquiry {event.inquiryId}
                </Button>
                <Button size="small" onClick={() => onSearch(formatAuditQuery({ inquiryId: event.inquiryId ?? '' }))}>
                  Events about this inquiry
                </Button>
              </Stack>
            ) : null}
          </Section>

          <Section title="When">
            <Fact label="Occurred" value={formatAbsolute(event.occurredAt)} />
            <Fact label="UTC" value={event.occurredAt.toISOString()} />
            <Stack direction="row" spacing={1}>
              <Typography variant="body2" color="text.secondary" sx={{ minWidth: 110 }}>
                Relative
              </Typography>
              <RelativeTime value={event.occurredAt} />
            </Stack>
          </Section>

          <Section title="Why">
            <Fact label="Reason" value={event.reason} />
            <Fact label="Ticket" value={event.ticket} copy="ticket" />
          </Section>

          <Section title="From where">
            <Fact label="Address" value={event.request.ip} />
            <Fact label="User agent" value={event.request.userAgent} />
            <Fact label="Request id" value={event.request.requestId} copy="request id" />
          </Section>

          {changes ? (
            <Section title="Changes">
              <Changes before={changes.before} after={changes.after} />
            </Section>
          ) : null}

          {otherDetails.length > 0 ? (
            <Section title="Details">
              {otherDetails.map(([key, value]) => (
                <Fact key={key} label={key} value={shownValue(value)} />
              ))}
            </Section>
          ) : null}

          <Divider />
          <Section title="In the chain">
            <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
              <Typography variant="body2" sx={{ minWidth: 0, fontFamily: 'monospace', wordBreak: 'break-all' }} aria-label="Hash">
                {event.hash}
              </Typography>
              <CopyButton value={event.hash} label="hash" />
            </Stack>
          </Section>
        </Stack>
      ) : null}
    </Drawer>
  );
}
