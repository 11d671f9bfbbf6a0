import SearchIcon from '@mui/icons-material/Search';
import IconButton from '@mui/material/IconButton';
import useMediaQuery from '@mui/material/useMediaQuery';
import { useTheme } from '@mui/material/styles';
import { useCallback, useState } from 'react';
import { CommandPalette } from './CommandPalette';
import { paletteShortcutLabel } from './searchWords';
import { TopBarSearch } from './TopBarSearch';
import { useSearchShortcuts } from './useSearchShortcuts';

/**
 * "Search anywhere" (issue 14), mounted in the app bar by layout/AppShell.tsx as its own chunk: the search field
 * (an icon that opens the palette on narrow screens) and the command palette with its shortcuts.
 */
export default function SearchAnywhere() {
  const theme = useTheme();
  const isWide = useMediaQuery(theme.breakpoints.up('md'));
  const [paletteOpen, setPaletteOpen] = useState(false);
  const openPalette = useCallback(() => setPaletteOpen(true), []);
  useSearchShortcuts(openPalette);
  const shortcut = paletteShortcutLabel();

  return (
    <>
      {isWide ? (
        <TopBarSearch />
      ) : (
        <IconButton color="inherit" aria-label={`Find an inquiry (${shortcut})`} title={`Find an inquiry (${shortcut})`} aria-keyshortcuts="Control+K Meta+K /" onClick={openPalette}>
          <SearchIcon />
        </IconButton>
      )}
      {paletteOpen ? <CommandPalette onClose={() => setPaletteOpen(false)} /> : null}
    </>
  );
}
