import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { Link as RouterLink, useNavigate } from 'react-router';
import type { ActionVerdict } from '@shared/actions.js';
import { useNotify } from '../../../components/notifications';
import { ReasonField } from '../../../components/ReasonField';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { actionErrorDetails } from './errors';
import { useRefreshInquiry } from './hooks';
import { useActionDialog } from './useActionDialog';

type Inquiry = RouterOutputs['inquiries']['get'];

export interface RecreateDialogProps {
  inquiry: Inquiry;
  verdict: ActionVerdict;
  /** The reason typed in the resume dialog, when the agent switched from there. */
  initialReason?: string;
  onClose: () => void;
}

/** A new inquiry on the latest version replaces this one; the agent lands on it, where its access actions wait. */
export function RecreateDialog({ inquiry, verdict, initialReason = '', onClose }: RecreateDialogProps) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const notify = useNotify();
  const refresh = useRefreshInquiry();
  const action = useActionDialog({
    inquiryId: inquiry.id,
    mutation: trpc.inquiries.recreate.mutationOptions({
      onSuccess: (created) => {
        notify(`Recreated as ${created.newInquiryId} on v${created.versionNumber}.`);
        onClose();
        void navigate(`/inquiries/${created.newInquiryId}`);
      },
      onError: (error) => {
        // Someone else recreated it first: this page is out of date.
        if (actionErrorDetails(error).successorId) void refresh(inquiry.id);
      },
    }),
    initialReason,
    onClose,
  });
  const successorId = actionErrorDetails(action.mutation.error).successorId;

  const gap =
    inquiry.latestVersionNumber > inquiry.versionNumber
      ? `It is on v${inquiry.versionNumber}; the new inquiry will be on v${inquiry.latestVersionNumber}, the latest.`
      : `It is already on the latest version (v${inquiry.versionNumber}).`;

  return (
    <ActionDialog
      title="Recreate on latest version"
      submitLabel="Recreate"
      intro={
        <Typography variant="body2" color="text.secondary">
          {gap} The new inquiry keeps the reference id, account and prefilled fields. This one expires, its sessions and links stop working, and it
          points to the new one.
        </Typography>
      }
      warnings={verdict.warnings}
      canSubmit={action.reasonReady}
      pending={action.mutation.isPending}
      error={action.mutation.error}
      errorDetail={
        successorId ? (
          <Link component={RouterLink} to={`/inquiries/${successorId}`} onClick={onClose}>
            Open the successor {successorId}
          </Link>
        ) : (
          <RetryAfter error={action.mutation.error} />
        )
      }
      onSubmit={() => action.submit({ id: inquiry.id })}
      onClose={action.close}
    >
      <ReasonField {...action.reasonField} />
    </ActionDialog>
  );
}
