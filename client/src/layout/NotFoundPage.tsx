import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import { Link as RouterLink, useLocation } from 'react-router';
import { EmptyState } from '../components/states';

export default function NotFoundPage() {
  const location = useLocation();
  return (
    <Paper variant="outlined">
      <EmptyState
        title="Page not found"
        isPageHeading
        description={`Nothing lives at ${location.pathname}.`}
        action={
          <Button component={RouterLink} to="/inquiries" variant="contained">
            Go to inquiries
          </Button>
        }
      />
    </Paper>
  );
}
