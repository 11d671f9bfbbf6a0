import MoreVertIcon from '@mui/icons-material/MoreVert';
import Chip from '@mui/material/Chip';
import IconButton from '@mui/material/IconButton';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { ROLE_LABELS } from '@shared/permissions.js';
import { RelativeTime } from '../../components/RelativeTime';
import { VisuallyHidden } from '../../components/VisuallyHidden';
import type { StaffMember } from './hooks';

export type StaffAction = 'role' | 'reset' | 'sessions' | 'disable' | 'enable' | 'unlock';

function StatusChip({ person }: { person: StaffMember }) {
  if (person.disabledAt) return <Chip size="small" label="Disabled" />;
  if (person.mustChangePassword) {
    return (
      <Tooltip title="Still on a one-time password: they choose their own at their next sign-in" describeChild>
        <Chip size="small" color="warning" variant="outlined" label="One-time password" />
      </Tooltip>
    );
  }
  return <Chip size="small" color="success" variant="outlined" label="Active" />;
}

/** Password sign-in refused from some address after wrong passwords there (the server lists only locks in force). */
function SignInLockChip({ person }: { person: StaffMember }) {
  if (!person.signInLockedUntil) return null;
  return (
    <Tooltip title="Wrong passwords from some address locked sign-in from there; an admin can unlock it" describeChild>
      <Chip size="small" color="error" variant="outlined" label="Sign-in locked" sx={{ ml: 0.5 }} />
    </Tooltip>
  );
}

function RowActions({ person, isSelf, localPasswords, onAction }: { person: StaffMember; isSelf: boolean; localPasswords: boolean; onAction: (action: StaffAction) => void }) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const pick = (action: StaffAction) => () => {
    setAnchor(null);
    onAction(action);
  };
  return (
    <>
      <IconButton aria-label={`Actions for ${person.email}`} aria-haspopup="menu" onClick={(e) => setAnchor(e.currentTarget)} size="small">
        <MoreVertIcon fontSize="small" />
      </IconButton>
      <Menu anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        <MenuItem onClick={pick('role')}>Change role…</MenuItem>
        {localPasswords && person.hasPassword ? <MenuItem onClick={pick('reset')}>Reset password…</MenuItem> : null}
        <MenuItem onClick={pick('sessions')}>Sessions…</MenuItem>
        {person.signInLockedUntil ? <MenuItem onClick={pick('unlock')}>Unlock sign-in…</MenuItem> : null}
        {person.disabledAt ? (
          <MenuItem onClick={pick('enable')}>Enable…</MenuItem>
        ) : (
          <MenuItem onClick={pick('disable')} disabled={isSelf}>
            <ListItemText primary="Disable…" secondary={isSelf ? 'You cannot disable your own account' : null} />
          </MenuItem>
        )}
      </Menu>
    </>
  );
}

export interface StaffTableProps {
  items: readonly StaffMember[];
  selfId: string | null;
  localPasswords: boolean;
  onAction: (person: StaffMember, action: StaffAction) => void;
}

export function StaffTable({ items, selfId, localPasswords, onAction }: StaffTableProps) {
  return (
    <TableContainer>
      <Table aria-label="Staff" size="small">
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Email</TableCell>
            <TableCell>Role</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Last sign-in</TableCell>
            <TableCell align="right">Live sessions</TableCell>
            <TableCell align="right">
              <VisuallyHidden>Actions</VisuallyHidden>
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map((person) => {
            const isSelf = person.id === selfId;
            return (
              <TableRow key={person.id} hover sx={{ opacity: person.disabledAt ? 0.7 : 1 }}>
                <TableCell>
                  {person.displayName}
                  {isSelf ? (
                    <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                      (you)
                    </Typography>
                  ) : null}
                </TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>
                  {person.email}
                  {!person.hasPassword ? (
                    <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                      SSO only
                    </Typography>
                  ) : null}
                </TableCell>
                <TableCell>{ROLE_LABELS[person.role]}</TableCell>
                <TableCell>
                  <StatusChip person={person} />
                  <SignInLockChip person={person} />
                </TableCell>
                <TableCell>
                  <RelativeTime value={person.lastLoginAt} empty="Never" />
                </TableCell>
                <TableCell align="right">{person.activeSessionCount}</TableCell>
                <TableCell align="right" padding="checkbox">
                  <RowActions person={person} isSelf={isSelf} localPasswords={localPasswords} onAction={(action) => onAction(person, action)} />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
