import LogoutIcon from '@mui/icons-material/Logout';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import ListItemIcon from '@mui/material/ListItemIcon';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import { ROLE_LABELS } from './roles';
import { useMe } from './useMe';
import { useSignOut } from './useSignOut';

function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => (w ?? '').charAt(0).toUpperCase()).join('') || '?';
}

/** The app bar's user menu: who is signed in, with which role, and "Sign out". Its button is a menu button named as it reads. */
export function AccountMenu() {
  const me = useMe();
  const { signOut, pending } = useSignOut();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  const staff = me.data?.staff;
  if (!staff) return null;
  const roleLabel = ROLE_LABELS[staff.role];

  return (
    <>
      <Button
        color="inherit"
        // The name is the label people see, word for word (WCAG 2.5.3, label in name): speech users say what they read.
        aria-label={`${staff.displayName}, ${roleLabel}`}
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? 'true' : undefined}
        onClick={(event) => setAnchor(event.currentTarget)}
        sx={{ textTransform: 'none', gap: 1 }}
      >
        {/* The initials are drawn (CSS content), not text: the button's visible text is then exactly its name. */}
        <Box
          component="span"
          aria-hidden
          data-initials={initialsOf(staff.displayName)}
          sx={{
            width: 28,
            height: 28,
            flexShrink: 0,
            borderRadius: '50%',
            display: 'inline-flex',
            alignItems: 'center',
            justifyContent: 'center',
            fontSize: 13,
            bgcolor: 'primary.main',
            color: 'primary.contrastText',
            '&::before': { content: 'attr(data-initials)' },
          }}
        />
        <Box component="span" sx={{ display: { xs: 'none', sm: 'flex' }, flexDirection: 'column', alignItems: 'flex-start', lineHeight: 1.2 }}>
          <Typography component="span" variant="body2" sx={{ fontWeight: 600 }}>
            {staff.displayName}
          </Typography>{' '}
          <Typography component="span" variant="caption" color="text.secondary">
            {roleLabel}
          </Typography>
        </Box>
      </Button>
      <Menu
        id={menuId}
        anchorEl={anchor}
        open={anchor !== null}
        onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
      >
        <Box sx={{ px: 2, py: 1, maxWidth: 280 }}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            {staff.displayName}
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
            {staff.email}
          </Typography>
          <Typography variant="caption" color="text.secondary">
            Role: {roleLabel}
          </Typography>
        </Box>
        <Divider />
        <MenuItem
          disabled={pending}
          onClick={() => {
            setAnchor(null);
            void signOut();
          }}
        >
          <ListItemIcon>
            <LogoutIcon fontSize="small" />
          </ListItemIcon>
          Sign out
        </MenuItem>
      </Menu>
    </>
  );
}
