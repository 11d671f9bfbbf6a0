import { createTheme } from '@mui/material/styles';

export const MONOSPACE = '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace';

/** localStorage key for the chosen mode ('light' | 'dark' | 'system'). */
export const MODE_STORAGE_KEY = 'inquiry-desk.color-mode';

/**
 * Light and dark schemes as CSS variables: switching modes swaps a class on <html> instead of re-rendering
 * the tree, and MUI remembers the choice in localStorage (default: follow prefers-color-scheme).
 */
export const theme = createTheme({
  cssVariables: { colorSchemeSelector: 'class' },
  colorSchemes: {
    light: {
      palette: {
        primary: { main: '#1f5fbf' },
        secondary: { main: '#6b4fbb' },
        background: { default: '#f5f7fa', paper: '#ffffff' },
      },
    },
    dark: {
      palette: {
        primary: { main: '#7fb0ff' },
        secondary: { main: '#b9a4ff' },
        background: { default: '#0f1318', paper: '#171c23' },
      },
    },
  },
  shape: { borderRadius: 8 },
  typography: {
    fontFamily: '"Inter", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    h1: { fontSize: '1.5rem', fontWeight: 600 },
    h2: { fontSize: '1.25rem', fontWeight: 600 },
    h3: { fontSize: '1.05rem', fontWeight: 600 },
  },
  components: {
    MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { textTransform: 'none', fontWeight: 600 } } },
    MuiCard: { defaultProps: { variant: 'outlined' } },
    MuiPaper: { defaultProps: { elevation: 0 } },
    MuiChip: { defaultProps: { size: 'small' } },
    MuiTooltip: { defaultProps: { arrow: true } },
  },
});
