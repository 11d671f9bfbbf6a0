import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { CopyButton } from '../../../components/CopyButton';
import { ExpiryText } from '../../../components/ExpiryText';
import { formatAbsolute } from '../../../lib/time';
import type { RouterOutputs } from '../../../lib/trpc';
import { MONOSPACE } from '../../../theme/theme';
import { describePolicy } from '../../templates/policy';
import { DefinitionList, type Definition } from './DefinitionList';
import { SectionCard } from './SectionCard';
import { Timestamp } from './Timestamp';

type Inquiry = RouterOutputs['inquiries']['get'];

const KIND_LABELS: Record<string, string> = { dedicated: 'Dedicated', just_in_time: 'Just-in-time (static link)' };

function Mono({ children }: { children: string }) {
  return (
    <Typography component="span" variant="body2" sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
      {children}
    </Typography>
  );
}

function Missing() {
  return (
    <Typography component="span" variant="body2" color="text.secondary">
      —
    </Typography>
  );
}

export function DetailsCard({ inquiry }: { inquiry: Inquiry }) {
  const items: Definition[] = [
    {
      label: 'Reference id',
      value: inquiry.referenceId ? (
        <Stack direction="row" spacing={0.5} component="span" sx={{ alignItems: 'center' }}>
          <Mono>{inquiry.referenceId}</Mono>
          <CopyButton value={inquiry.referenceId} label="reference id" />
        </Stack>
      ) : (
        <Missing />
      ),
    },
    {
      label: 'Customer',
      value: inquiry.customerId ? (
        <>
          {inquiry.customerName ?? 'Unnamed customer'} <Mono>{`(${inquiry.customerId})`}</Mono>
        </>
      ) : (
        <Missing />
      ),
    },
    { label: 'Account', value: inquiry.accountId ? <Mono>{inquiry.accountId}</Mono> : <Missing /> },
    { label: 'Kind', value: KIND_LABELS[inquiry.kind] ?? inquiry.kind },
    {
      label: 'Template',
      value: (
        <>
          {inquiry.templateName} <Mono>{`(${inquiry.templateId})`}</Mono>
        </>
      ),
    },
    { label: 'Version', value: <Mono>{inquiry.versionId}</Mono> },
    { label: 'Version published', value: <Timestamp value={inquiry.versionPublishedAt} /> },
    { label: 'Created', value: <Timestamp value={inquiry.createdAt} /> },
    { label: 'Started', value: <Timestamp value={inquiry.startedAt} /> },
    { label: 'Completed', value: <Timestamp value={inquiry.completedAt} /> },
    { label: 'Failed', value: <Timestamp value={inquiry.failedAt} /> },
    { label: 'Decisioned', value: <Timestamp value={inquiry.decisionedAt} /> },
    { label: 'Expired', value: <Timestamp value={inquiry.expiredAt} /> },
    {
      label: 'Expires',
      value: (
        <Stack direction="row" spacing={1} component="span" sx={{ alignItems: 'baseline', flexWrap: 'wrap' }}>
          <ExpiryText expiresAt={inquiry.expiresAt} status={inquiry.status} />
          <Typography component="span" variant="caption" color="text.secondary">
            {formatAbsolute(inquiry.expiresAt)}
          </Typography>
        </Stack>
      ),
    },
    { label: 'Updated', value: <Timestamp value={inquiry.updatedAt} /> },
  ];
  if (inquiry.policy) {
    items.push({
      label: 'Expiry policy',
      value: describePolicy(inquiry.policy)
        .map((p) => `${p.label.toLowerCase()} ${p.value}`)
        .join(' · '),
    });
  }
  return (
    <SectionCard title="Details">
      <DefinitionList items={items} />
    </SectionCard>
  );
}
