import Alert from '@mui/material/Alert';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { ApiKey, Customer } from '@shared/partner.js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useNotify } from '../../components/notifications';
import { EmptyState, ErrorState, LoadingState } from '../../components/states';
import { ApiKeysPanel } from './ApiKeysPanel';
import { CreateKeyDialog } from './CreateKeyDialog';
import { CustomersTable } from './CustomersTable';
import { useApiKeyMutations, useCustomers } from './hooks';
import { NewKeyDialog, type NewKey } from './NewKeyDialog';

/** The search param that holds the selected customer, so a view of one customer's keys can be linked to. */
const SELECTED = 'customer';

type Open = { kind: 'create'; customer: Customer } | { kind: 'revoke'; apiKey: ApiKey } | { kind: 'secret'; created: NewKey };

function RevokeKeyDialog({ apiKey, onConfirm, onClose }: { apiKey: ApiKey; onConfirm: (reason: string) => Promise<void>; onClose: () => void }) {
  return (
    <ConfirmDialog title={`Revoke the key “${apiKey.name}” of ${apiKey.customerName}?`} confirmLabel="Revoke key" confirmColor="error" onConfirm={onConfirm} onClose={onClose}>
      <Typography variant="body2">
        Partner calls with this key ({apiKey.prefix}…) are refused at once, with 401 Unauthorized. A revoked key never works again: if{' '}
        {apiKey.customerName} still needs access, create a new key for them.
      </Typography>
      {apiKey.callsThisWeek > 0 ? (
        <Alert severity="warning" role="note">
          This key made {new Intl.NumberFormat().format(apiKey.callsThisWeek)} calls this week: their integration stops working until it has a new key.
        </Alert>
      ) : null}
    </ConfirmDialog>
  );
}

/** /customers (admin): the B2B2C customers and the partner API keys their backends call with. */
export default function CustomersPage() {
  const customers = useCustomers();
  const mutations = useApiKeyMutations();
  const notify = useNotify();
  const [searchParams] = useSearchParams();
  const [open, setOpen] = useState<Open | null>(null);
  const close = () => setOpen(null);

  useEffect(() => {
    document.title = 'Customers · Inquiry Desk';
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, []);

  const items = customers.data?.items ?? [];
  const wanted = searchParams.get(SELECTED);
  const selected = items.find((c) => c.id === wanted) ?? items[0] ?? null;

  let dialog = null;
  if (open) {
    switch (open.kind) {
      case 'create': {
        const { customer } = open;
        dialog = (
          <CreateKeyDialog
            customer={customer}
            onClose={close}
            create={async (input) => {
              const created = await mutations.create.mutateAsync(input);
              notify(`Key “${input.name}” created for ${customer.name}.`);
              setOpen({ kind: 'secret', created: { ...created, name: input.name, customerName: customer.name } });
            }}
          />
        );
        break;
      }
      case 'revoke': {
        const { apiKey } = open;
        dialog = (
          <RevokeKeyDialog
            apiKey={apiKey}
            onClose={close}
            onConfirm={async (reason) => {
              await mutations.revoke.mutateAsync({ id: apiKey.id, reason });
              close();
              notify(`Key “${apiKey.name}” revoked: partner calls with it are refused from now on.`);
            }}
          />
        );
        break;
      }
      case 'secret':
        dialog = <NewKeyDialog created={open.created} onClose={close} />;
        break;
    }
  }

  let body;
  if (customers.isPending) body = <LoadingState label="Loading customers…" />;
  else if (customers.isError) body = <ErrorState title="Could not load customers" error={customers.error} onRetry={() => void customers.refetch()} />;
  else if (items.length === 0)
    body = <EmptyState title="No customers yet" description="Companies that embed verification in their own apps appear here once they are set up." />;
  else
    body = (
      <CustomersTable
        items={items}
        selectedId={selected?.id ?? null}
        selectHref={(customer) => `?${new URLSearchParams({ [SELECTED]: customer.id }).toString()}`}
      />
    );

  return (
    <Stack spacing={2}>
      <div>
        <Typography variant="h1">Customers</Typography>
        <Typography variant="body2" color="text.secondary">
          B2B2C customers and the partner API keys their backends use to resume their end users’ inquiries. Pick a customer to see its keys.
        </Typography>
      </div>
      <Paper variant="outlined">{body}</Paper>
      {selected ? (
        <ApiKeysPanel
          key={selected.id}
          customer={selected}
          onCreate={() => setOpen({ kind: 'create', customer: selected })}
          onRevoke={(apiKey) => setOpen({ kind: 'revoke', apiKey })}
        />
      ) : null}
      {dialog}
    </Stack>
  );
}
