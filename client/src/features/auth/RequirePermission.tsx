import BlockIcon from '@mui/icons-material/Block';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import type { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router';
import type { Permission } from '@shared/permissions.js';
import { EmptyState } from '../../components/states';
import { HOME_PATH } from '../../lib/signInPath';
import { usePermissions } from './usePermissions';

/** A page the role may not use, opened directly (a bookmark, a shared link): say so instead of a broken page. */
export function NotAllowed({ reason }: { reason: string }) {
  return (
    <Paper variant="outlined">
      <EmptyState
        icon={<BlockIcon fontSize="large" />}
        title="Not allowed"
        description={`${reason} Ask an admin if you need access.`}
        action={
          <Button component={RouterLink} to={HOME_PATH} variant="contained">
            Go to inquiries
          </Button>
        }
      />
    </Paper>
  );
}

/** Renders the page only for roles holding `permission`; the server checks again on every request. */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const permissions = usePermissions();
  const reason = permissions.denialReason(permission);
  if (!permissions.ready) return null;
  return reason ? <NotAllowed reason={reason} /> : children;
}
