import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyField } from '../../components/CopyField';
import { DialogFrame } from '../../components/DialogFrame';
import { useTRPCClient } from '../../lib/trpc';

/** shared/actions.ts StaticLinkInputSchema's rule for a reference id. */
const REFERENCE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function referenceIdProblem(referenceId: string): string | null {
  const trimmed = referenceId.trim();
  if (trimmed === '') return null;
  return REFERENCE_ID.test(trimmed) ? null : 'Up to 128 letters, digits and _ . : - only.';
}

export interface StaticLinkDialogProps {
  template: { id: string; name: string };
  onClose: () => void;
}

/**
 * The seed's option 1 for emailed links: a static link to the template with an opaque reference id. Nothing is
 * created until someone opens it; every visit creates a new inquiry for that reference id. No token: the link
 * is not a secret beyond the reference id it carries.
 */
export function StaticLinkDialog({ template, onClose }: StaticLinkDialogProps) {
  const client = useTRPCClient();
  const [referenceId, setReferenceId] = useState('');
  // A query on the server (it changes nothing); asked on demand, like an action, and not cached.
  const generate = useMutation({
    mutationFn: (input: { templateId: string; referenceId?: string }) => client.templates.staticLink.query(input),
  });
  const problem = referenceIdProblem(referenceId);

  const submit = () => {
    if (problem !== null || generate.isPending || generate.data) return;
    const trimmed = referenceId.trim();
    generate.mutate({ templateId: template.id, ...(trimmed ? { referenceId: trimmed } : {}) });
  };

  return (
    <DialogFrame
      title={`Static link for ${template.name}`}
      onSubmit={submit}
      error={generate.error}
      onClose={onClose}
      actions={
        generate.data ? (
          <Button onClick={onClose} variant="contained">
            Done
          </Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={problem !== null || generate.isPending} loading={generate.isPending}>
              Create link
            </Button>
          </>
        )
      }
    >
      <Typography variant="body2" color="text.secondary">
        Each visit creates a new inquiry for this reference id (the seed&apos;s option 1 for emailed links): the end user can always get in, and all their
        inquiries share the reference id. Use an opaque id from your system — never an email address or a name.
      </Typography>
      {generate.data ? (
        <>
          <CopyField label="Static link" value={generate.data.url} multiline autoFocus />
          <CopyField label="Reference id" value={generate.data.referenceId} />
        </>
      ) : (
        <TextField
          label="Reference id (optional)"
          value={referenceId}
          onChange={(event) => setReferenceId(event.target.value)}
          autoFocus
          fullWidth
          autoComplete="off"
          error={problem !== null}
          helperText={problem ?? 'Leave blank to have an opaque id generated.'}
        />
      )}
    </DialogFrame>
  );
}
