import Typography from '@mui/material/Typography';
import type { PolicyFields } from '@shared/templates.js';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { comparePolicies } from '../policyForm';

export interface SavePolicyDialogProps {
  templateName: string;
  /** The revision the editor loaded (null: the template had none, the defaults applied). */
  before: PolicyFields;
  after: PolicyFields;
  onConfirm: (reason: string) => Promise<unknown>;
  onClose: () => void;
}

/** Asks for the reason the revision records, and says what changes and what does not (open inquiries). */
export function SavePolicyDialog({ templateName, before, after, onConfirm, onClose }: SavePolicyDialogProps) {
  const changes = comparePolicies(before, after).filter((c) => c.changed);
  return (
    <ConfirmDialog title={`Save the expiration policy of ${templateName}?`} confirmLabel="Save policy" onConfirm={onConfirm} onClose={onClose}>
      <Typography variant="body2" component="div">
        <ul style={{ margin: 0, paddingLeft: '1.25rem' }}>
          {changes.map((c) => (
            <li key={c.key}>
              {c.label}: {c.before} → <strong>{c.after}</strong>
            </li>
          ))}
        </ul>
      </Typography>
      <Typography variant="body2" color="text.secondary">
        The new revision applies to inquiries created, started or resumed from now on. Open inquiries keep their expiry until you apply the
        revision to them, which is a separate step.
      </Typography>
    </ConfirmDialog>
  );
}
