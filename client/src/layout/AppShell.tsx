import MenuIcon from '@mui/icons-material/Menu';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Drawer from '@mui/material/Drawer';
import IconButton from '@mui/material/IconButton';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { useTheme } from '@mui/material/styles';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Link as RouterLink, Outlet, useLocation } from 'react-router';
import { LoadingState } from '../components/states';
import { ColorModeToggle } from '../theme/ColorModeToggle';
import { FocusHeadingOnNavigate } from './FocusHeadingOnNavigate';
import { NavList } from './NavList';

const DRAWER_WIDTH = 232;
// Search anywhere (features/search) is its own chunk: the sign-in page never loads it.
const SearchAnywhere = lazy(() => import('../features/search/SearchAnywhere'));

export interface AppShellProps {
  /** Right end of the app bar: the signed-in user's menu goes here. */
  accountMenu?: ReactNode;
  /** The page; defaults to the matched child route. */
  children?: ReactNode;
}

export function AppShell({ accountMenu, children }: AppShellProps) {
  const theme = useTheme();
  const isWide = useMediaQuery(theme.breakpoints.up('md'));
  const [mobileOpen, setMobileOpen] = useState(false);
  const location = useLocation();

  const drawerContent = (
    <>
      <Toolbar />
      <NavList currentPath={location.pathname} onNavigate={() => setMobileOpen(false)} />
    </>
  );

  return (
    <Box sx={{ display: 'flex', minHeight: '100vh' }}>
      <AppBar position="fixed" color="default" sx={{ zIndex: (t) => t.zIndex.drawer + 1, borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
        <Toolbar>
          {!isWide ? (
            <IconButton edge="start" color="inherit" aria-label="Open navigation" onClick={() => setMobileOpen(true)} sx={{ mr: 1 }}>
              <MenuIcon />
            </IconButton>
          ) : null}
          <Typography
            variant="h6"
            component={RouterLink}
            to="/inquiries"
            sx={{ color: 'inherit', textDecoration: 'none', fontWeight: 700, letterSpacing: '-0.01em' }}
          >
            Inquiry Desk
          </Typography>
          <Box sx={{ flexGrow: 1, minWidth: 0, display: 'flex', justifyContent: { xs: 'flex-end', md: 'center' }, px: { xs: 0.5, md: 3 } }}>
            <Suspense fallback={null}>
              <SearchAnywhere />
            </Suspense>
          </Box>
          <ColorModeToggle />
          {accountMenu ? <Box sx={{ ml: 1, display: 'flex', alignItems: 'center' }}>{accountMenu}</Box> : null}
        </Toolbar>
      </AppBar>

      <Box component="nav" aria-label="Main" sx={{ width: { md: DRAWER_WIDTH }, flexShrink: { md: 0 } }}>
        {isWide ? (
          <Drawer variant="permanent" open sx={{ '& .MuiDrawer-paper': { width: DRAWER_WIDTH, boxSizing: 'border-box' } }}>
            {drawerContent}
          </Drawer>
        ) : (
          <Drawer
            variant="temporary"
            open={mobileOpen}
            onClose={() => setMobileOpen(false)}
            ModalProps={{ keepMounted: true }}
            sx={{ '& .MuiDrawer-paper': { width: DRAWER_WIDTH, boxSizing: 'border-box' } }}
          >
            {drawerContent}
          </Drawer>
        )}
      </Box>

      <Box component="main" sx={{ flexGrow: 1, minWidth: 0, p: { xs: 2, md: 3 } }}>
        <Toolbar />
        <FocusHeadingOnNavigate />
        <Suspense fallback={<LoadingState />}>{children ?? <Outlet />}</Suspense>
      </Box>
    </Box>
  );
}
