import Typography from '@mui/material/Typography';
import type { ActionVerdict } from '@shared/actions.js';
import { ReasonField } from '../../../components/ReasonField';
import { formatMinutes } from '../../../lib/time';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { OneTimeLinkResult } from './results';
import { useActionDialog } from './useActionDialog';

type Inquiry = RouterOutputs['inquiries']['get'];

/** Persona's recommended way to hand an end user access: a link with a single-use code. */
export function OneTimeLinkDialog({ inquiry, verdict, onClose }: { inquiry: Inquiry; verdict: ActionVerdict; onClose: () => void }) {
  const trpc = useTRPC();
  const action = useActionDialog({ inquiryId: inquiry.id, mutation: trpc.links.createOneTime.mutationOptions(), secret: true, onClose });

  const lifetime = inquiry.policy ? formatMinutes(inquiry.policy.oneTimeLinkMinutes) : null;
  return (
    <ActionDialog
      title="Send one-time link"
      submitLabel="Create link"
      intro={
        <Typography variant="body2" color="text.secondary">
          A link to the hosted flow with a single-use code{lifetime ? `, valid for ${lifetime}` : ''}. It opens once (and again within 5 minutes of the
          first use); after that the end user needs a new one. Persona&apos;s recommended way to give an end user access.
        </Typography>
      }
      warnings={verdict.warnings}
      canSubmit={action.reasonReady}
      pending={action.mutation.isPending}
      error={action.mutation.error}
      errorDetail={<RetryAfter error={action.mutation.error} />}
      onSubmit={() => action.submit({ inquiryId: inquiry.id })}
      result={action.mutation.data ? <OneTimeLinkResult result={action.mutation.data} /> : null}
      onClose={action.close}
    >
      <ReasonField {...action.reasonField} />
    </ActionDialog>
  );
}
