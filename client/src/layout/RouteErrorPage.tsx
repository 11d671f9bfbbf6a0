import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { isRouteErrorResponse, useRouteError } from 'react-router';
import { ErrorState } from '../components/states';

/** Last resort when a page throws while rendering: say so, and offer a way out. */
export default function RouteErrorPage() {
  const error = useRouteError();
  const shown = isRouteErrorResponse(error) ? new Error(`${error.status} ${error.statusText}`) : error;
  return (
    <Box sx={{ p: 3, maxWidth: 720, mx: 'auto' }}>
      <ErrorState title="This page failed to load" error={shown} />
      <Box sx={{ mt: 2, display: 'flex', gap: 1 }}>
        <Button variant="contained" onClick={() => window.location.reload()}>
          Reload
        </Button>
        <Button href="/inquiries">Go to inquiries</Button>
      </Box>
    </Box>
  );
}
