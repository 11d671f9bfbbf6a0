import FormControl from '@mui/material/FormControl';
import FormHelperText from '@mui/material/FormHelperText';
import InputLabel from '@mui/material/InputLabel';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import { useId } from 'react';
import { ROLE_LABELS, ROLES, type Role } from '@shared/permissions.js';

/** What each role is for (DESIGN §1 and §5), so an admin picks knowingly. */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  viewer: 'Views inquiries and templates, personal data masked. Changes nothing.',
  support: 'Unblocks end users: resumes inquiries, sends links, reveals personal data; revokes what they issued.',
  compliance: 'Reviews, exports and verifies the audit log; revokes links and sessions; reveals personal data.',
  manager: 'Edits expiration policy and publishes template versions; reads the audit log.',
  admin: 'Everything, including staff accounts and partner API keys.',
};

export function RoleSelect({ value, onChange, label = 'Role', autoFocus = false }: { value: Role; onChange: (role: Role) => void; label?: string; autoFocus?: boolean }) {
  const labelId = useId();
  const helpId = useId();
  return (
    <FormControl fullWidth>
      <InputLabel id={labelId}>{label}</InputLabel>
      <Select<Role>
        labelId={labelId}
        label={label}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        renderValue={(role) => ROLE_LABELS[role]}
        aria-describedby={helpId}
        autoFocus={autoFocus}
      >
        {ROLES.map((role) => (
          <MenuItem key={role} value={role}>
            <ListItemText primary={ROLE_LABELS[role]} secondary={ROLE_DESCRIPTIONS[role]} slotProps={{ secondary: { sx: { whiteSpace: 'normal' } } }} />
          </MenuItem>
        ))}
      </Select>
      <FormHelperText id={helpId}>{ROLE_DESCRIPTIONS[value]}</FormHelperText>
    </FormControl>
  );
}
