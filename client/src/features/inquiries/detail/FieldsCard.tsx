import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { MONOSPACE } from '../../../theme/theme';
import { usePermissions } from '../../auth/usePermissions';
import { SECRET_MUTATION_OPTIONS, useForgetMutation } from '../actions/hooks';
import { DefinitionList } from './DefinitionList';
import { SectionCard } from './SectionCard';

type Field = RouterOutputs['inquiries']['get']['fields'][number];

/** Values revealed for one inquiry: held by this card only, never in a query cache, gone when it unmounts. */
interface Revealed {
  inquiryId: string;
  values: ReadonlyMap<string, string>;
}

function Value({ children }: { children: string }) {
  return (
    <Typography component="span" variant="body2" sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
      {children}
    </Typography>
  );
}

/**
 * The prefilled fields, masked. A person whose role holds pii:reveal may reveal them (inquiries.revealPii, with a
 * reason; audited as pii.revealed): the values then show in place until they press Hide or leave the page. They
 * live in this component's state alone — the mutation's result is dropped from TanStack Query's cache at once —
 * so nothing outside this open view keeps them.
 */
export function FieldsCard({ inquiryId, fields }: { inquiryId: string; fields: readonly Field[] }) {
  const trpc = useTRPC();
  const { can, roleLabel } = usePermissions();
  const mayReveal = can('pii:reveal');
  const [asking, setAsking] = useState(false);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const options = { ...trpc.inquiries.revealPii.mutationOptions(), ...SECRET_MUTATION_OPTIONS };
  const reveal = useMutation(options);
  const forget = useForgetMutation(reveal, options.mutationKey);

  // Another inquiry in the same card (navigating from one to the next): nothing of the last one shows.
  const shown = revealed?.inquiryId === inquiryId ? revealed.values : null;

  const confirm = async (reason: string) => {
    const result = await reveal.mutateAsync({ id: inquiryId, reason });
    setRevealed({ inquiryId, values: new Map(result.fields.map((f) => [f.name, f.value])) });
    forget();
    setAsking(false);
  };
  const hide = () => {
    setRevealed(null);
    forget();
  };

  const subheader = shown
    ? 'Revealed for this view only, and recorded in the audit log. Hide it when you are done.'
    : mayReveal
      ? 'Personal data is masked. Revealing it asks for a reason and is recorded in the audit log.'
      : `Personal data is masked. Your role${roleLabel ? ` (${roleLabel.toLowerCase()})` : ''} cannot reveal it.`;
  const action =
    mayReveal && fields.length > 0 ? (
      shown ? (
        <Button size="small" onClick={hide}>
          Hide
        </Button>
      ) : (
        <Button size="small" onClick={() => setAsking(true)}>
          Reveal
        </Button>
      )
    ) : undefined;

  return (
    <SectionCard title="Prefilled fields" subheader={subheader} action={action}>
      {fields.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          No prefilled fields.
        </Typography>
      ) : (
        <DefinitionList items={fields.map((f) => ({ label: f.label, value: <Value>{shown?.get(f.name) ?? f.value}</Value> }))} />
      )}
      {asking ? (
        <ConfirmDialog
          title="Reveal personal data"
          confirmLabel="Reveal"
          onConfirm={confirm}
          onClose={() => {
            forget();
            setAsking(false);
          }}
        >
          <Typography variant="body2">
            The prefilled values of this inquiry ({fields.map((f) => f.label).join(', ')}) are shown in the clear on this page, until you hide them or
            leave. The audit log records that you revealed them, which fields and why — never the values. Reveals count against a limit per person.
          </Typography>
        </ConfirmDialog>
      ) : null}
    </SectionCard>
  );
}
