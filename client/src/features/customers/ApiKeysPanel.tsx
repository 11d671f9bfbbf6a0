import AddIcon from '@mui/icons-material/Add';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import type { ApiKey, Customer } from '@shared/partner.js';
import { EmptyState, ErrorState, LoadingState } from '../../components/states';
import { ApiKeysTable } from './ApiKeysTable';
import { useApiKeys } from './hooks';

export interface ApiKeysPanelProps {
  customer: Customer;
  onCreate: () => void;
  onRevoke: (apiKey: ApiKey) => void;
}

/** The selected customer's keys, with the button that creates one. */
export function ApiKeysPanel({ customer, onCreate, onRevoke }: ApiKeysPanelProps) {
  const keys = useApiKeys(customer.id);
  const headingId = useId();

  let body;
  if (keys.isPending) body = <LoadingState label="Loading keys…" />;
  else if (keys.isError) body = <ErrorState title="Could not load the keys" error={keys.error} onRetry={() => void keys.refetch()} />;
  else if (keys.data.items.length === 0)
    body = <EmptyState title="No API keys yet" description={`${customer.name} cannot call the partner API until it has a key.`} />;
  else body = <ApiKeysTable items={keys.data.items} customerName={customer.name} onRevoke={onRevoke} />;

  return (
    <Paper variant="outlined" component="section" aria-labelledby={headingId}>
      <Stack direction="row" spacing={2} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap', p: 2, pb: 1 }}>
        <Typography id={headingId} variant="h2" sx={{ flexGrow: 1 }}>
          API keys of {customer.name}
        </Typography>
        <Button variant="contained" startIcon={<AddIcon />} onClick={onCreate}>
          Create key
        </Button>
      </Stack>
      {body}
    </Paper>
  );
}
