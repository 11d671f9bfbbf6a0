import Chip from '@mui/material/Chip';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import { Link as RouterLink } from 'react-router';
import { usePermissions } from '../features/auth/usePermissions';
import { navItemsFor } from './navigation';

function isCurrent(currentPath: string, itemPath: string) {
  return currentPath === itemPath || currentPath.startsWith(`${itemPath}/`);
}

export function NavList({ currentPath, onNavigate }: { currentPath: string; onNavigate?: () => void }) {
  const { can } = usePermissions();
  const items = navItemsFor(can);
  // The most specific section is the current one: /audit/verify is "Audit integrity", not also "Audit".
  const currentItem = items.filter((item) => !item.comingSoon && isCurrent(currentPath, item.path)).sort((a, b) => b.path.length - a.path.length)[0];
  return (
    <List sx={{ px: 1 }}>
      {items.map((item) => {
        const Icon = item.icon;
        if (item.comingSoon) {
          return (
            <ListItem key={item.path} disablePadding>
              <ListItemButton disabled aria-disabled sx={{ borderRadius: 1 }}>
                <ListItemIcon sx={{ minWidth: 40 }}>
                  <Icon />
                </ListItemIcon>
                <ListItemText primary={item.label} />
                <Chip label="Soon" size="small" variant="outlined" sx={{ height: 20, fontSize: 11 }} />
              </ListItemButton>
            </ListItem>
          );
        }
        const current = item === currentItem;
        return (
          <ListItem key={item.path} disablePadding>
            <ListItemButton
              component={RouterLink}
              to={item.path}
              selected={current}
              aria-current={current ? 'page' : undefined}
              onClick={onNavigate}
              sx={{ borderRadius: 1 }}
            >
              <ListItemIcon sx={{ minWidth: 40 }}>
                <Icon />
              </ListItemIcon>
              <ListItemText primary={item.label} />
            </ListItemButton>
          </ListItem>
        );
      })}
    </List>
  );
}
