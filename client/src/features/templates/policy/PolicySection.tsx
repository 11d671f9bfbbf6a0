import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useId, useMemo, useState } from 'react';
import type { PolicyRevision, TemplateDetail } from '@shared/templates.js';
import { useNotify } from '../../../components/notifications';
import { errorCodeOf, errorMessageOf } from '../../../lib/trpc';
import { useDebouncedValue } from '../../../lib/useDebouncedValue';
import { usePermissions } from '../../auth/usePermissions';
import { formatCount } from '../charts/buckets';
import { CompletionCharts } from '../charts/CompletionCharts';
import { usePolicyPreview, useTemplateMutations } from '../hooks';
import { checkPolicyForm, cutoffsOf, initialFormState, policyValuesOf, samePolicy, type DurationInput, type PolicyFieldKey } from '../policyForm';
import { ApplyPolicyDialog } from './ApplyPolicyDialog';
import { PolicyEditor } from './PolicyEditor';
import { SavePolicyDialog } from './SavePolicyDialog';

/** How long the typing must pause before the preview is asked for. */
const PREVIEW_DEBOUNCE_MS = 400;

export interface PolicySectionProps {
  template: TemplateDetail;
  /** Fetches the template again (after a conflict); resolves with the fresh page data. */
  reload: () => Promise<TemplateDetail | undefined>;
}

/**
 * The completion-time histograms with the policy's cut-offs, and — for those who may edit it — the policy
 * editor beside them: the proposed cut-offs move on the charts as the manager types, and the impact preview
 * follows once the typing pauses.
 */
export function PolicySection({ template, reload }: PolicySectionProps) {
  const { can } = usePermissions();
  const canEdit = can('policy:edit');
  const current = useMemo(() => policyValuesOf(template.revision), [template.revision]);
  const currentCutoffs = cutoffsOf(current);

  return (
    <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: canEdit ? 'minmax(0, 1fr) minmax(0, 1fr)' : '1fr' }, alignItems: 'start' }}>
      {canEdit ? (
        <PolicyWorkbench template={template} reload={reload} />
      ) : (
        <CompletionCharts histograms={template.histograms} current={currentCutoffs} proposed={null} columns={2} />
      )}
    </Box>
  );
}

function PolicyWorkbench({ template, reload }: PolicySectionProps) {
  const notify = useNotify();
  const mutations = useTemplateMutations();
  const titleId = useId();
  // The revision the editor loaded: what a save is checked against (optimistic concurrency).
  const [base, setBase] = useState<PolicyRevision | null>(template.revision);
  const baseValues = useMemo(() => policyValuesOf(base), [base]);
  const [form, setForm] = useState(() => initialFormState(baseValues));
  const [conflict, setConflict] = useState<string | null>(null);
  const [justSaved, setJustSaved] = useState<PolicyRevision | null>(null);
  const [dialog, setDialog] = useState<'save' | 'apply' | null>(null);

  const check = useMemo(() => checkPolicyForm(form), [form]);
  const dirty = check.values === null || !samePolicy(check.values, baseValues);
  const previewInput = check.values ? { templateId: template.id, ...check.values } : null;
  const debouncedInput = useDebouncedValue(previewInput, PREVIEW_DEBOUNCE_MS);
  const preview = usePolicyPreview(debouncedInput);
  const waiting = JSON.stringify(previewInput) !== JSON.stringify(debouncedInput);

  const inForce = template.revision;
  const current = policyValuesOf(inForce);
  // Revision ids only grow: a larger one in force than the one loaded was saved by someone else meanwhile.
  const newer = inForce !== null && inForce.revisionId > (base?.revisionId ?? 0) && conflict === null;

  const loadRevision = (revision: PolicyRevision | null) => {
    setBase(revision);
    setForm(initialFormState(policyValuesOf(revision)));
    setConflict(null);
  };

  const reloadLatest = async () => {
    const fresh = await reload();
    if (fresh) loadRevision(fresh.revision);
  };

  const save = async (reason: string) => {
    if (!check.values) return;
    try {
      const saved = await mutations.updatePolicy.mutateAsync({
        templateId: template.id,
        ...check.values,
        expectedRevisionId: base?.revisionId ?? null,
        reason,
      });
      loadRevision(saved);
      setJustSaved(saved);
      setDialog(null);
      notify(`Revision #${saved.revisionId} saved: it applies to inquiries created, started or resumed from now on.`);
    } catch (err) {
      if (errorCodeOf(err) !== 'CONFLICT') throw err;
      // Someone else saved first: the edits stay on screen, the save does not happen.
      setDialog(null);
      setJustSaved(null);
      setConflict(errorMessageOf(err));
    }
  };

  const notices = (
    <>
      {conflict ? (
        <Alert
          severity="error"
          role="alert"
          action={
            <Button color="inherit" size="small" onClick={() => void reloadLatest()}>
              Reload the latest policy
            </Button>
          }
        >
          <AlertTitle>Your changes were not saved</AlertTitle>
          {conflict}
        </Alert>
      ) : null}
      {newer ? (
        <Alert
          severity="info"
          role="note"
          action={
            <Button color="inherit" size="small" onClick={() => loadRevision(inForce)}>
              Load it
            </Button>
          }
        >
          Revision #{inForce.revisionId} was saved {inForce.createdBy ? `by ${inForce.createdBy} ` : ''}since you opened the editor.
        </Alert>
      ) : null}
      {justSaved && !dirty ? (
        <Alert severity="success" role="status" onClose={() => setJustSaved(null)}>
          Revision #{justSaved.revisionId} is in force for new inquiries. Open inquiries keep their expiry until you apply it to them.
        </Alert>
      ) : null}
    </>
  );

  const applyAction =
    template.managedBy === 'persona' ? (
      <Alert severity="info">
        Persona applies expiration intervals: change them in Persona&apos;s dashboard and publish the template there. This revision sets the
        console&apos;s own guards and previews.
      </Alert>
    ) : inForce && !dirty && inForce.revisionId === base?.revisionId ? (
      <Button variant={justSaved ? 'contained' : 'outlined'} color="secondary" onClick={() => setDialog('apply')}>
        Apply to open inquiries…
      </Button>
    ) : null;

  return (
    <>
      <Card component="section" aria-labelledby={titleId}>
        <CardContent>
          <Stack spacing={0.5} sx={{ mb: 2 }}>
            <Typography id={titleId} variant="h3" component="h2">
              Edit the expiration policy
            </Typography>
            <Typography variant="body2" color="text.secondary">
              {base ? `Editing from revision #${base.revisionId}.` : 'No revision yet: starting from the defaults.'} The histograms show the proposed cut-offs
              as you type.
            </Typography>
          </Stack>
          <PolicyEditor
            form={form}
            check={check}
            dirty={dirty}
            onFieldChange={(key: PolicyFieldKey, next: DurationInput) => setForm((f) => ({ ...f, [key]: next }))}
            preview={{ data: preview.data, updating: waiting || preview.isFetching, error: preview.error }}
            onSave={() => setDialog('save')}
            onReset={() => setForm(initialFormState(baseValues))}
            notices={notices}
            applyAction={applyAction}
          />
        </CardContent>
      </Card>
      <CompletionCharts
        histograms={template.histograms}
       
        current={cutoffsOf(current)}
        proposed={check.values && dirty ? cutoffsOf(check.values) : null}
        columns={1}
      />
      {dialog === 'save' && check.values ? (
        <SavePolicyDialog templateName={template.name} before={baseValues} after={check.values} onConfirm={save} onClose={() => setDialog(null)} />
      ) : null}
      {dialog === 'apply' && inForce ? (
        <ApplyPolicyDialog
          templateId={template.id}
          revision={inForce}
          onClose={() => setDialog(null)}
          onConfirm={async (reason) => {
            const result = await mutations.applyPolicy.mutateAsync({ templateId: template.id, revisionId: inForce.revisionId, reason });
            setDialog(null);
            setJustSaved(null);
            notify(
              `Revision #${inForce.revisionId} applied to ${formatCount(result.updated)} open inquiries` +
                (result.heldAtGrace > 0 ? `; ${formatCount(result.heldAtGrace)} held at 10 minutes from now.` : '.'),
            );
          }}
        />
      ) : null}
    </>
  );
}
