import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';

/** The frame of the pages shown before the console: sign-in and choosing a new password. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', p: 2, bgcolor: 'background.default' }}>
      <Stack spacing={2} sx={{ width: '100%', maxWidth: 420 }}>
        <Typography variant="h6" component="p" sx={{ fontWeight: 700, letterSpacing: '-0.01em', textAlign: 'center' }}>
          Inquiry Desk
        </Typography>
        <Paper variant="outlined" sx={{ p: { xs: 2.5, sm: 4 } }}>
          <Typography variant="h1" sx={{ fontSize: '1.5rem', mb: 2 }}>
            {title}
          </Typography>
          {children}
        </Paper>
      </Stack>
    </Box>
  );
}
