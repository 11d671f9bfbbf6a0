import InboxOutlinedIcon from '@mui/icons-material/InboxOutlined';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { errorMessageOf } from '../lib/trpc';

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <Stack role="status" aria-live="polite" direction="row" spacing={2} sx={{ alignItems: 'center', justifyContent: 'center', py: 6 }}>
      <CircularProgress size={24} aria-hidden />
      <Typography color="text.secondary">{label}</Typography>
    </Stack>
  );
}

export interface ErrorStateProps {
  title?: string;
  error: unknown;
  onRetry?: () => void;
  /** Another way out, e.g. "Go to first page". */
  action?: ReactNode;
}

/** Shows the server's own message: it is written for people ("Invalid input — limit: …"). */
export function ErrorState({ title = 'Could not load this', error, onRetry, action }: ErrorStateProps) {
  return (
    <Alert
      severity="error"
      role="alert"
      action={
        onRetry || action ? (
          <Stack direction="row" spacing={1}>
            {action}
            {onRetry ? (
              <Button color="inherit" size="small" onClick={onRetry}>
                Retry
              </Button>
            ) : null}
          </Stack>
        ) : undefined
      }
    >
      <AlertTitle>{title}</AlertTitle>
      {errorMessageOf(error)}
    </Alert>
  );
}

export interface EmptyStateProps {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
  /** The title is the page's heading (a page that is only this state, e.g. "Page not found"): an h1. */
  isPageHeading?: boolean;
}

export function EmptyState({ title, description, action, icon, isPageHeading = false }: EmptyStateProps) {
  return (
    <Box sx={{ textAlign: 'center', py: 6, px: 2 }}>
      <Box sx={{ color: 'text.disabled', mb: 1 }} aria-hidden>
        {icon ?? <InboxOutlinedIcon fontSize="large" />}
      </Box>
      <Typography variant="h3" component={isPageHeading ? 'h1' : 'p'} gutterBottom>
        {title}
      </Typography>
      {description ? (
        <Typography color="text.secondary" sx={{ maxWidth: 560, mx: 'auto' }} component="div">
          {description}
        </Typography>
      ) : null}
      {action ? <Box sx={{ mt: 2 }}>{action}</Box> : null}
    </Box>
  );
}
