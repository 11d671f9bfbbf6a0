import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { formatAbsolute } from '../../lib/time';
import type { AuditEvent } from './hooks';

function whoOf(event: AuditEvent): string {
  return event.actor.display ?? event.actor.id ?? (event.actor.type === 'staff' ? 'Unknown staff' : event.actor.type);
}

/** The events of a search, newest first; the action opens the event's drawer. */
export function AuditTable({ events, onOpen }: { events: AuditEvent[]; onOpen: (event: AuditEvent) => void }) {
  return (
    <TableContainer>
      <Table size="small" aria-label="Audit events">
        <TableHead>
          <TableRow>
            <TableCell>When</TableCell>
            <TableCell>Who</TableCell>
            <TableCell>Action</TableCell>
            <TableCell>Target</TableCell>
            <TableCell>Reason</TableCell>
            <TableCell>Ticket</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {events.map((event) => (
            <TableRow key={event.seq} hover onClick={() => onOpen(event)} sx={{ cursor: 'pointer' }}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                <Typography component="time" variant="body2" dateTime={event.occurredAt.toISOString()}>
                  {formatAbsolute(event.occurredAt)}
                </Typography>
              </TableCell>
              <TableCell>{whoOf(event)}</TableCell>
              <TableCell>
                <Link
                  component="button"
                  type="button"
                  variant="body2"
                  sx={{ fontFamily: 'monospace', textAlign: 'left' }}
                  aria-label={`Open event ${event.seq}: ${event.action}`}
                  onClick={(e: React.MouseEvent) => {
                    e.stopPropagation();
                    onOpen(event);
                  }}
                >
                  {event.action}
                </Link>
              </TableCell>
              <TableCell sx={{ wordBreak: 'break-all' }}>{event.target ? `${event.target.type} ${event.target.id}` : '—'}</TableCell>
              <TableCell sx={{ maxWidth: 320 }}>
                <Typography variant="body2" noWrap title={event.reason ?? undefined}>
                  {event.reason ?? '—'}
                </Typography>
              </TableCell>
              <TableCell>{event.ticket ?? '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
