import Alert from '@mui/material/Alert';
import Typography from '@mui/material/Typography';
import { APPLY_GRACE_MINUTES, type PolicyRevision } from '@shared/templates.js';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { ErrorState } from '../../../components/states';
import { formatCount } from '../charts/buckets';
import { usePolicyPreview } from '../hooks';
import { policyValuesOf } from '../policyForm';

export interface ApplyPolicyDialogProps {
  templateId: string;
  /** The revision in force: the one to apply. */
  revision: PolicyRevision;
  onConfirm: (reason: string) => Promise<unknown>;
  onClose: () => void;
}

/**
 * Applying the revision in force to the open inquiries: the count comes first (counted afresh when the dialog
 * opens), then the reason. Nothing can be confirmed while the count is on its way.
 */
export function ApplyPolicyDialog({ templateId, revision, onConfirm, onClose }: ApplyPolicyDialogProps) {
  const preview = usePolicyPreview({ templateId, ...policyValuesOf(revision) }, { fresh: true });
  const open = preview.isFetching ? undefined : preview.data?.open;

  let body;
  if (preview.isError) body = <ErrorState title="Could not count the open inquiries" error={preview.error} onRetry={() => void preview.refetch()} />;
  else if (!open) body = <Typography variant="body2">Counting the open inquiries it would change…</Typography>;
  else if (open.changed === 0)
    body = <Alert severity="info" role="note">All {formatCount(open.total)} open inquiries already expire as revision #{revision.revisionId} says: nothing to apply.</Alert>;
  else
    body = (
      <>
        <Typography variant="body2">
          <strong>{formatCount(open.changed)}</strong> of the {formatCount(open.total)} open inquiries get a new expiry, computed from revision #{revision.revisionId}:{' '}
          {formatCount(open.gainTime)} gain time and {formatCount(open.loseTime)} lose time.
        </Typography>
        {open.expireAtOnce > 0 ? (
          <Alert severity="warning" role="note">
            {formatCount(open.expireAtOnce)} would be past their new expiry already: they are held at {APPLY_GRACE_MINUTES} minutes from now instead of expiring
            at once.
          </Alert>
        ) : null}
        <Typography variant="body2" color="text.secondary">
          It runs in batches and is recorded in the audit log with the count.
        </Typography>
      </>
    );

  return (
    <ConfirmDialog
      title={`Apply revision #${revision.revisionId} to open inquiries?`}
      confirmLabel={open && open.changed > 0 ? `Apply to ${formatCount(open.changed)} open inquiries` : 'Apply'}
      canConfirm={open !== undefined && open.changed > 0}
      onConfirm={onConfirm}
      onClose={onClose}
    >
      {body}
    </ConfirmDialog>
  );
}
