import Tooltip from '@mui/material/Tooltip';
import type { ReactElement } from 'react';
import type { Permission } from '@shared/permissions.js';
import { usePermissions, type DenialOptions } from './usePermissions';

/**
 * Explains a disabled control. A disabled button receives no pointer or focus events, so the tooltip sits on a
 * focusable wrapper that carries the reason (as its title while the tooltip is closed): hover and keyboard users
 * both get it. With no reason, the child is rendered as it is.
 */
export function ReasonTooltip({ reason, children }: { reason: string | null | undefined; children: ReactElement }) {
  if (!reason) return children;
  return (
    <Tooltip title={reason} describeChild>
      <span tabIndex={0} style={{ display: 'inline-flex', cursor: 'not-allowed' }}>
        {children}
      </span>
    </Tooltip>
  );
}

export interface PermissionTooltipProps extends DenialOptions {
  permission: Permission;
  /** Renders the control; `allowed` false means: render it disabled (the tooltip says why). */
  children: (state: { allowed: boolean; reason: string | null }) => ReactElement;
}

/**
 * A control that needs a permission, disabled with the reason when the role lacks it:
 *
 *   <PermissionTooltip permission="inquiry:act" action="resume this inquiry">
 *     {({ allowed }) => <Button disabled={!allowed} onClick={open}>Resume</Button>}
 *   </PermissionTooltip>
 */
export function PermissionTooltip({ permission, children, ...options }: PermissionTooltipProps) {
  const reason = usePermissions().denialReason(permission, options);
  return <ReasonTooltip reason={reason}>{children({ allowed: reason === null, reason })}</ReasonTooltip>;
}
