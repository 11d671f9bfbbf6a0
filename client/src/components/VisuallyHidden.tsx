import Box from '@mui/material/Box';
import type { ReactNode } from 'react';

/** Text for screen readers only (a column header over icon buttons, say): announced, not shown. */
export function VisuallyHidden({ children }: { children: ReactNode }) {
  return (
    <Box component="span" sx={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
      {children}
    </Box>
  );
}
