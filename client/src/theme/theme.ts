import { createTheme } from '@mui/material/styles';

export const MONOSPACE = '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace';

/** localStorage key for the chosen mode ('light' | 'dark' | 'system'). */
export const MODE_STORAGE_KEY = 'inquiry-desk.color-mode';

/**
 * One visible focus ring for everything a keyboard reaches (WCAG 2.4.7), drawn only for keyboard focus
 * (:focus-visible; MUI's ButtonBase marks it with .Mui-focusVisible), in the primary colour, which contrasts at
 * least 3:1 with the page in both modes. ButtonBase covers buttons, icon buttons, list items, menu items, tabs,
 * toggle buttons, clickable chips and checkboxes. Text fields keep their own focused border. `html` in front
 * outranks the components' own `outline: 0`, whatever order their styles are inserted in.
 */
const FOCUS_RING = '2px solid var(--mui-palette-primary-main)';
const focusStyles = {
  [[
    'html .MuiButtonBase-root.Mui-focusVisible',
    'html a:focus-visible',
    'html [tabindex="0"]:focus-visible:not(.MuiInputBase-input)',
    'html h1[tabindex="-1"]:focus-visible',
  ].join(', ')]: { outline: FOCUS_RING, outlineOffset: 2 },
  // Inside a list, a menu, a tab bar or a grid there is no room outside the item: draw the ring inside it.
  [[
    'html .MuiListItemButton-root.Mui-focusVisible',
    'html .MuiMenuItem-root.Mui-focusVisible',
    'html .MuiTab-root.Mui-focusVisible',
    'html .MuiDataGrid-root .MuiDataGrid-cell:focus-visible',
    'html .MuiDataGrid-root .MuiDataGrid-columnHeader:focus-visible',
  ].join(', ')]: { outline: FOCUS_RING, outlineOffset: -2 },
  // The page heading takes focus after navigating (layout/FocusHeadingOnNavigate.tsx): no ring after a click.
  'h1[tabindex="-1"]:focus:not(:focus-visible)': { outline: 'none' },
};

/**
 * Light and dark schemes as CSS variables: switching modes swaps a class on <html> instead of re-rendering
 * the tree, and MUI remembers the choice in localStorage (default: follow prefers-color-scheme).
 */
export const theme = createTheme({
  cssVariables: { colorSchemeSelector: 'class' },
  // Every colour below passes WCAG AA (4.5:1) as text on both backgrounds of its mode, with room to spare on a
  // tinted row, and as the fill behind its contrast text (a filled chip, a contained button). MUI's defaults do
  // not: warning #ed6c02 is 3.1:1 on white and info #0288d1 3.9:1; error and success pass by a hair on white only;
  // dark mode's error is 3.7:1 behind white text. contrastThreshold 4.5 makes MUI pick each colour's contrast text
  // by the same rule. test/browser/a11y.test.ts runs axe-core on every page in both modes.
  colorSchemes: {
    light: {
      palette: {
        contrastThreshold: 4.5,
        primary: { main: '#1f5fbf' },
        secondary: { main: '#6b4fbb' },
        error: { main: '#c62828' },
        warning: { main: '#a35200' },
        info: { main: '#0369a1' },
        success: { main: '#1b6e20' },
        background: { default: '#f5f7fa', paper: '#ffffff' },
        // Icons and toggle buttons: MUI's 54% black is 4.49:1 on the page background.
        action: { active: 'rgba(0, 0, 0, 0.6)' },
      },
    },
    dark: {
      palette: {
        contrastThreshold: 4.5,
        primary: { main: '#7fb0ff' },
        secondary: { main: '#b9a4ff' },
        error: { main: '#ff7961' },
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
    MuiCssBaseline: { styleOverrides: focusStyles },
    MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { textTransform: 'none', fontWeight: 600 } } },
    MuiCard: { defaultProps: { variant: 'outlined' } },
    MuiPaper: { defaultProps: { elevation: 0 } },
    MuiChip: { defaultProps: { size: 'small' } },
    MuiTooltip: { defaultProps: { arrow: true } },
  },
});
