import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import { strandedRowSx, TemplateId, VersionLabel } from './versions/VersionLabel';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import Button from '@mui/material/Button';
import { useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { RelativeTime } from '../../components/RelativeTime';
import { EmptyState, ErrorState } from '../../components/states';
import type { RouterOutputs } from '../../lib/trpc';
import { usePermissions } from '../auth/usePermissions';
import { PARAM } from '../inquiries/listParams';
import { useTemplates } from './hooks';
import { expiringListLink, outdatedListLink, outdatedShareText, templatePath } from './links';
import { NewInquiryDialog } from './NewInquiryDialog';
import { PolicySummary } from './PolicySummary';
import { StaticLinkDialog } from './StaticLinkDialog';

type Template = RouterOutputs['templates']['list']['items'][number];

const number = new Intl.NumberFormat();

function VersionsTable({ template }: { template: Template }) {
  const versions = [...template.versions].sort((a, b) => b.versionNumber - a.versionNumber);
  if (versions.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary">
        No published versions.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={`Versions of ${template.name}`}>
      <TableHead>
        <TableRow>
          <TableCell>Version</TableCell>
          <TableCell>Published</TableCell>
          <TableCell align="right">Open inquiries</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {versions.map((version) => {
          const stranded = !version.isLatest && version.openInquiryCount > 0;
          return (
            <TableRow
              key={version.id}
              sx={stranded ? strandedRowSx : undefined}
              data-outdated-open={stranded || undefined}
            >
              <TableCell>
                <VersionLabel version={version} />
              </TableCell>
              <TableCell>
                <RelativeTime value={version.publishedAt} />
              </TableCell>
              <TableCell align="right">
                {stranded ? (
                  <Stack direction="row" spacing={0.5} sx={{ justifyContent: 'flex-end', alignItems: 'center' }}>
                    <Tooltip title="Open inquiries on an outdated version: consider recreating them on the latest" describeChild>
                      <WarningAmberIcon color="warning" fontSize="small" aria-label="Outdated version with open inquiries" />
                    </Tooltip>
                    <Typography variant="body2" color="warning.main" sx={{ fontWeight: 600 }}>
                      {number.format(version.openInquiryCount)}
                    </Typography>
                  </Stack>
                ) : (
                  <Typography variant="body2" color={version.openInquiryCount === 0 ? 'text.secondary' : undefined}>
                    {number.format(version.openInquiryCount)}
                  </Typography>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

function TemplateCard({ template }: { template: Template }) {
  const [staticLinkOpen, setStaticLinkOpen] = useState(false);
  const [newInquiryOpen, setNewInquiryOpen] = useState(false);
  const canAct = usePermissions().can('inquiry:act');
  const published = template.latestVersionNumber > 0;
  return (
    <Card component="section" aria-label={template.name}>
      <CardContent>
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ justifyContent: 'space-between', alignItems: { sm: 'flex-start' }, mb: 2 }}>
          <Box>
            <Typography variant="h2">
              <Link component={RouterLink} to={templatePath(template.id)} color="inherit" underline="hover">
                {template.name}
              </Link>
            </Typography>
            <TemplateId id={template.id} />
          </Box>
          <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'center' }}>
            <Chip label={template.latestVersionNumber > 0 ? `latest v${template.latestVersionNumber}` : 'unpublished'} color="primary" variant="outlined" />
            <Chip label={`${number.format(template.openInquiryCount)} open`} variant="outlined" />
            {template.openOnOutdatedCount > 0 ? (
              <Chip
                component={RouterLink}
                to={outdatedListLink(template.id)}
                clickable
                color="warning"
                label={`${number.format(template.openOnOutdatedCount)} on outdated versions (${outdatedShareText(template.openOnOutdatedCount, template.openInquiryCount)} of open)`}
              />
            ) : (
              <Chip label="none on outdated versions" variant="outlined" />
            )}
            {template.expiringNext24h > 0 ? (
              <Chip
                component={RouterLink}
                to={expiringListLink(template.id)}
                clickable
                color="info"
                label={`${number.format(template.expiringNext24h)} expiring in 24 h`}
              />
            ) : (
              <Chip label="none expiring in 24 h" variant="outlined" />
            )}
            <Tooltip
              title={template.latestVersionNumber > 0 ? 'A link anyone can open: each visit creates an inquiry for one reference id' : 'No published version yet'}
              describeChild
            >
              <span>
                <Button size="small" variant="outlined" onClick={() => setStaticLinkOpen(true)} disabled={template.latestVersionNumber === 0}>
                  Static link
                </Button>
              </span>
            </Tooltip>
            {canAct ? (
              <Tooltip
                title={published ? `Create an inquiry on v${template.latestVersionNumber} for a user you know, then hand it off` : 'No published version yet'}
                describeChild
              >
                <span>
                  <Button size="small" variant="outlined" onClick={() => setNewInquiryOpen(true)} disabled={!published}>
                    New inquiry
                  </Button>
                </span>
              </Tooltip>
            ) : null}
            <Button size="small" variant="contained" component={RouterLink} to={templatePath(template.id)}>
              Policy, charts and versions
            </Button>
          </Stack>
        </Stack>
        <Box sx={{ display: 'grid', gap: 3, gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 3fr) minmax(0, 2fr)' } }}>
          <VersionsTable template={template} />
          <PolicySummary policy={template.policy} />
        </Box>
      </CardContent>
      {staticLinkOpen ? <StaticLinkDialog template={template} onClose={() => setStaticLinkOpen(false)} /> : null}
      {newInquiryOpen ? <NewInquiryDialog template={template} onClose={() => setNewInquiryOpen(false)} /> : null}
    </Card>
  );
}

export default function TemplatesPage() {
  const templates = useTemplates();
  let body;
  if (templates.isPending) {
    body = (
      <Stack spacing={2} aria-busy="true" aria-label="Loading templates">
        <Skeleton variant="rounded" height={220} />
        <Skeleton variant="rounded" height={220} />
      </Stack>
    );
  } else if (templates.isError) {
    body = <ErrorState title="Could not load templates" error={templates.error} onRetry={() => void templates.refetch()} />;
  } else if (templates.data.items.length === 0) {
    body = (
      <Paper variant="outlined">
        <EmptyState title="No templates yet" description="Templates appear once the vendor publishes a first version." />
      </Paper>
    );
  } else {
    body = (
      <Stack spacing={2}>
        {templates.data.items.map((template) => (
          <TemplateCard key={template.id} template={template} />
        ))}
      </Stack>
    );
  }
  return (
    <Stack spacing={2}>
      <Box>
        <Typography variant="h1">Templates</Typography>
        <Typography variant="body2" color="text.secondary">
          Published versions, the open inquiries pinned to each, and the expiration policy in force. Open a template to edit its policy, publish a version or see its charts.{' '}
          <Link component={RouterLink} to={`/inquiries?${PARAM.view}=outdated`}>
            See all inquiries on outdated versions
          </Link>
          .
        </Typography>
      </Box>
      {body}
    </Stack>
  );
}
