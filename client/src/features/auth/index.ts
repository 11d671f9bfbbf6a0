/**
 * Sign-in state and permissions for the rest of the console. Other features import from here only:
 *
 *   import { usePermissions, PermissionTooltip } from '../auth';   // from client/src/features/<area>/
 */
export { AccountMenu } from './AccountMenu';
export { PermissionTooltip, ReasonTooltip, type PermissionTooltipProps } from './PermissionTooltip';
export { NotAllowed, RequirePermission } from './RequirePermission';
export { RequireSignIn } from './RequireSignIn';
export { PERMISSION_ACTIONS, ROLE_LABELS } from './roles';
export { useMe, type Me } from './useMe';
export { permissionsFromMe, usePermissions, type DenialOptions, type Permissions } from './usePermissions';
export { useSignOut } from './useSignOut';
