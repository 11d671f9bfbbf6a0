import Chip from '@mui/material/Chip';
import Stack from '@mui/material/Stack';
import { alpha, type Theme } from '@mui/material/styles';
import Typography from '@mui/material/Typography';
import { CopyButton } from '../../../components/CopyButton';
import { MONOSPACE } from '../../../theme/theme';

/** A version as both version tables show it: "v3", a *latest* chip, and its id. */
export function VersionLabel({ version }: { version: { id: string; versionNumber: number; isLatest: boolean } }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <Typography variant="body2" sx={{ fontWeight: 600 }}>
        v{version.versionNumber}
      </Typography>
      {version.isLatest ? <Chip label="latest" color="success" variant="outlined" /> : null}
      <Typography variant="caption" color="text.secondary" sx={{ fontFamily: MONOSPACE }}>
        {version.id}
      </Typography>
    </Stack>
  );
}

/** The row of an outdated version that still holds open inquiries, tinted as a warning. */
export const strandedRowSx = { bgcolor: (t: Theme) => alpha(t.palette.warning.main, 0.1) };

/** A template's id in monospace with its copy button (the templates list and a template's page). */
export function TemplateId({ id }: { id: string }) {
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
      <Typography variant="body2" color="text.secondary" sx={{ fontFamily: MONOSPACE }}>
        {id}
      </Typography>
      <CopyButton value={id} label="template id" />
    </Stack>
  );
}
