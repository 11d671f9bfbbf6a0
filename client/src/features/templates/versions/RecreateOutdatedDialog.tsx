import Typography from '@mui/material/Typography';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { formatCount } from '../charts/buckets';

export interface RecreateOutdatedDialogProps {
  count: number;
  latestVersionNumber: number;
  onConfirm: (reason: string) => Promise<unknown>;
  onClose: () => void;
}

/** The bulk recreate, confirmed with the exact count the server will check against. */
export function RecreateOutdatedDialog({ count, latestVersionNumber, onConfirm, onClose }: RecreateOutdatedDialogProps) {
  const noun = count === 1 ? 'inquiry' : 'inquiries';
  return (
    <ConfirmDialog
      title={`Recreate ${formatCount(count)} open ${noun} on v${latestVersionNumber}?`}
      confirmLabel={`Recreate ${formatCount(count)} ${noun}`}
      confirmColor="warning"
      onConfirm={onConfirm}
      onClose={onClose}
    >
      <Typography variant="body2">
        Each of the <strong>{formatCount(count)}</strong> open {noun} on an outdated version gets exactly one successor on v{latestVersionNumber}, with the same
        reference id, account and prefilled fields. The old {noun} {count === 1 ? 'is' : 'are'} expired and {count === 1 ? 'its' : 'their'} links revoked:
        end users continue on the new {noun}, from the start of the flow.
      </Typography>
      <Typography variant="body2" color="text.secondary">
        If more open inquiries have landed on outdated versions since this count, nothing is recreated and you are asked again. It runs in batches and is
        recorded in the audit log.
      </Typography>
    </ConfirmDialog>
  );
}
