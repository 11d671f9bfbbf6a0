import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import type { PolicyPreview } from '@shared/templates.js';
import { formatMinutes } from '../../../lib/time';
import { CAP_FIELDS, INTERVAL_FIELDS, type DurationInput, type PolicyFieldKey, type PolicyFormCheck, type PolicyFormState } from '../policyForm';
import { DurationField } from './DurationField';
import { PreviewPanel } from './PreviewPanel';

export interface PolicyEditorProps {
  form: PolicyFormState;
  check: PolicyFormCheck;
  onFieldChange: (key: PolicyFieldKey, next: DurationInput) => void;
  /** The form differs from the revision it was loaded from. */
  dirty: boolean;
  preview: { data: PolicyPreview | undefined; updating: boolean; error: unknown };
  onSave: () => void;
  onReset: () => void;
  /** Notices above the fields: a conflict, a newer revision, a save just made. */
  notices?: ReactNode;
  /** The "Apply to open inquiries" action, when there is a revision in force to apply. */
  applyAction?: ReactNode;
}

/**
 * The four intervals and the two caps, with the impact preview under them. Saving opens a confirmation with a
 * reason; nothing reaches open inquiries until someone applies the revision to them, separately.
 */
export function PolicyEditor({ form, check, onFieldChange, dirty, preview, onSave, onReset, notices, applyAction }: PolicyEditorProps) {
  const afterCreate = check.fields.afterCreateMinutes.minutes;
  const inheritedValue = (key: PolicyFieldKey) => (key === 'afterStartMinutes' && afterCreate !== null ? formatMinutes(afterCreate) : undefined);
  return (
    <Stack spacing={2}>
      {notices}
      <Box>
        <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 600 }}>
          Expiry intervals
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
          From 10 minutes to 30 days. A saved revision applies to inquiries created, started or resumed from then on.
        </Typography>
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
          {INTERVAL_FIELDS.map((spec) => (
            <DurationField
              key={spec.key}
              spec={spec}
              value={form[spec.key]}
              check={check.fields[spec.key]}
              inheritedValue={inheritedValue(spec.key)}
              onChange={(next) => onFieldChange(spec.key, next)}
            />
          ))}
        </Box>
      </Box>
      <Box>
        <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 600 }}>
          Console limits for this template
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
          Leave them at the server default unless this template needs its own.
        </Typography>
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
          {CAP_FIELDS.map((spec) => (
            <DurationField key={spec.key} spec={spec} value={form[spec.key]} check={check.fields[spec.key]} onChange={(next) => onFieldChange(spec.key, next)} />
          ))}
        </Box>
      </Box>
      <Divider />
      <PreviewPanel preview={preview.data} updating={preview.updating} error={preview.error} invalid={check.values === null} />
      <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'center' }}>
        <Button variant="contained" onClick={onSave} disabled={!dirty || check.values === null}>
          Save policy…
        </Button>
        <Button onClick={onReset} disabled={!dirty}>
          Discard changes
        </Button>
        <Box sx={{ flexGrow: 1 }} />
        {applyAction}
      </Stack>
    </Stack>
  );
}
