import KeyboardReturnIcon from '@mui/icons-material/KeyboardReturn';
import Box from '@mui/material/Box';
import ClickAwayListener from '@mui/material/ClickAwayListener';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useRef } from 'react';
import { FinderInput } from './FinderInput';
import { FinderResults } from './FinderResults';
import { paletteShortcutLabel } from './searchWords';
import { useInquiryFinder } from './useInquiryFinder';

/**
 * The app bar's search field (wide screens; narrow ones get an icon that opens the palette): paste an inquiry id,
 * reference id, email, hosted-flow URL or one-time link and press Enter. What it finds drops down below it.
 */
export function TopBarSearch() {
  const inputRef = useRef<HTMLInputElement>(null);
  const finder = useInquiryFinder({ onOpened: () => inputRef.current?.blur() });
  const showing = finder.state.phase !== 'idle';
  const endAdornment = finder.text.trim() ? (
    // For the mouse: Enter's twin.
    <IconButton size="small" aria-label="Find" title="Find (Enter)" onMouseDown={(event) => event.preventDefault()} onClick={finder.submit} sx={{ mr: -0.75 }}>
      <KeyboardReturnIcon fontSize="small" />
    </IconButton>
  ) : (
    <Typography
      component="kbd"
      variant="caption"
      aria-hidden
      sx={{ ml: 1, px: 0.75, border: 1, borderColor: 'divider', borderRadius: 0.5, color: 'text.secondary', whiteSpace: 'nowrap', fontFamily: 'inherit' }}
    >
      {paletteShortcutLabel()}
    </Typography>
  );

  return (
    <ClickAwayListener onClickAway={() => showing && finder.dismiss()}>
      <Box role="search" aria-label="Search anywhere" sx={{ position: 'relative', width: '100%', maxWidth: 520 }}>
        <FinderInput
          look="bar"
          finder={finder}
          inputRef={inputRef}
          label="Find an inquiry"
          placeholder="Inquiry id, reference, email or link"
          onEscape={(event) => {
            if (showing) {
              event.preventDefault();
              finder.dismiss();
            } else if (finder.text) {
              event.preventDefault();
              finder.clear();
            }
          }}
          endAdornment={endAdornment}
        />
        {showing ? (
          <Paper
            elevation={8}
            sx={{ position: 'absolute', top: 'calc(100% + 6px)', left: 0, right: 0, maxHeight: '70vh', overflowY: 'auto', zIndex: (t) => t.zIndex.modal }}
          >
            <FinderResults finder={finder} onLeave={finder.clear} />
          </Paper>
        ) : null}
      </Box>
    </ClickAwayListener>
  );
}
