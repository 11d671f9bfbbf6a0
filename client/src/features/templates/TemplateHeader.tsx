import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import { TemplateId } from './versions/VersionLabel';
import Link from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router';
import type { TemplateDetail } from '@shared/templates.js';
import { formatCount } from './charts/buckets';
import { expiringListLink, outdatedListLink, outdatedShareText } from './links';
import { PolicySummary } from './PolicySummary';

export function BackToTemplates() {
  return (
    <Link component={RouterLink} to="/templates" underline="hover" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5 }}>
      <ArrowBackIcon fontSize="small" /> Templates
    </Link>
  );
}

/** The template's name and id, the live version, its open inquiries at a glance, and the policy in force. */
export function TemplateHeader({ template }: { template: TemplateDetail }) {
  const revision = template.revision;
  return (
    <Stack spacing={2}>
      <Box>
        <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
          <Typography variant="h1">{template.name}</Typography>
          <Chip label={template.latestVersionNumber > 0 ? `live version v${template.latestVersionNumber}` : 'unpublished'} color="primary" variant="outlined" />
        </Stack>
        <TemplateId id={template.id} />
      </Box>
      <Card>
        <CardContent sx={{ display: 'grid', gap: 3, gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 1fr) minmax(0, 1fr)' } }}>
          <Stack spacing={1} component="section" aria-label="Open inquiries at a glance">
            <Typography variant="subtitle2" component="h2">
              Open inquiries
            </Typography>
            <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
              <Chip label={`${formatCount(template.openInquiryCount)} open`} variant="outlined" />
              <Chip
                component={RouterLink}
                to={outdatedListLink(template.id)}
                clickable
                color={template.openOnOutdatedCount > 0 ? 'warning' : 'default'}
                variant={template.openOnOutdatedCount > 0 ? 'filled' : 'outlined'}
                label={`${formatCount(template.openOnOutdatedCount)} on outdated versions (${outdatedShareText(template.openOnOutdatedCount, template.openInquiryCount)})`}
              />
              <Chip
                component={RouterLink}
                to={expiringListLink(template.id)}
                clickable
                color={template.expiringNext24h > 0 ? 'info' : 'default'}
                variant={template.expiringNext24h > 0 ? 'filled' : 'outlined'}
                label={`${formatCount(template.expiringNext24h)} expiring in 24 h`}
              />
            </Stack>
          </Stack>
          <PolicySummary
            policy={revision}
            caps={revision ? { tokenLinkMaxMinutes: revision.tokenLinkMaxMinutes, resumeCooldownMinutes: revision.resumeCooldownMinutes } : undefined}
          />
        </CardContent>
      </Card>
    </Stack>
  );
}
