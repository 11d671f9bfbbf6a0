import AssignmentIndOutlinedIcon from '@mui/icons-material/AssignmentIndOutlined';
import BusinessOutlinedIcon from '@mui/icons-material/BusinessOutlined';
import GroupOutlinedIcon from '@mui/icons-material/GroupOutlined';
import HistoryEduOutlinedIcon from '@mui/icons-material/HistoryEduOutlined';
import KeyOutlinedIcon from '@mui/icons-material/KeyOutlined';
import SettingsOutlinedIcon from '@mui/icons-material/SettingsOutlined';
import SyncOutlinedIcon from '@mui/icons-material/SyncOutlined';
import VerifiedUserOutlinedIcon from '@mui/icons-material/VerifiedUserOutlined';
import ViewQuiltOutlinedIcon from '@mui/icons-material/ViewQuiltOutlined';
import type SvgIcon from '@mui/material/SvgIcon';
import type { Permission } from '@shared/permissions.js';

export interface NavItem {
  label: string;
  /** Where the item leads; also the prefix that marks it as the current section. */
  path: string;
  icon: typeof SvgIcon;
  /** Shown only to roles holding it (the page checks again, and the server on every request). */
  permission: Permission;
  /** Shown but not clickable until its issue lands; the text says why. */
  comingSoon?: boolean;
}

/** The console's sections, in drawer order. Adding a section is one entry here plus its route in router.tsx. */
export const NAV_ITEMS: readonly NavItem[] = [
  { label: 'Inquiries', path: '/inquiries', icon: AssignmentIndOutlinedIcon, permission: 'inquiry:read' },
  { label: 'Templates', path: '/templates', icon: ViewQuiltOutlinedIcon, permission: 'inquiry:read' },
  { label: 'Access', path: '/access', icon: KeyOutlinedIcon, permission: 'access:read' },
  { label: 'Audit', path: '/audit', icon: HistoryEduOutlinedIcon, permission: 'audit:read' },
  { label: 'Audit integrity', path: '/audit/verify', icon: VerifiedUserOutlinedIcon, permission: 'audit:export' },
  { label: 'Staff', path: '/staff', icon: GroupOutlinedIcon, permission: 'staff:manage' },
  { label: 'Customers', path: '/customers', icon: BusinessOutlinedIcon, permission: 'apikey:manage' },
  { label: 'Persona sync', path: '/persona-sync', icon: SyncOutlinedIcon, permission: 'provider:sync' },
  { label: 'Settings', path: '/settings', icon: SettingsOutlinedIcon, permission: 'apikey:manage', comingSoon: true },
];

/** The sections a role may use: a viewer's drawer does not list the admin's pages. */
export function navItemsFor(can: (permission: Permission) => boolean): NavItem[] {
  return NAV_ITEMS.filter((item) => can(item.permission));
}
