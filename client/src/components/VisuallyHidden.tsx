import Box from '@mui/material/Box';
import type { ReactNode } from 'react';

/** Text for screen readers only (a column header over icon buttons, say): announced, not shown. */
export function VisuallyHidden({ children }: { children: ReactNode }) {
  return (
    // Pinned to its containing block's corner: left where it stands, an absolute box in a table that scrolls
    // sideways would escape the scroll container and widen the whole page.
    <Box component="span" sx={{ position: 'absolute', top: 0, left: 0, width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' }}>
      {children}
    </Box>
  );
}
