import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useId, useState, type ReactNode } from 'react';
import { Link as RouterLink } from 'react-router';
import type { TemplateDetail } from '@shared/templates.js';
import { useNotify } from '../../../components/notifications';
import { PermissionTooltip } from '../../auth/PermissionTooltip';
import { formatCount } from '../charts/buckets';
import { useTemplateMutations } from '../hooks';
import { outdatedListLink } from '../links';
import { PublishVersionDialog } from './PublishVersionDialog';
import { RecreateOutdatedDialog } from './RecreateOutdatedDialog';
import { VersionsTable } from './VersionsTable';

/** Open inquiries on versions other than the latest: what a bulk recreate would take (and what it must confirm). */
export function outdatedOpenCount(versions: TemplateDetail['versions']): number {
  return versions.filter((v) => !v.isLatest).reduce((sum, v) => sum + v.openInquiryCount, 0);
}

function Option({ title, children, action }: { title: string; children: ReactNode; action: ReactNode }) {
  const id = useId();
  return (
    <Paper variant="outlined" component="section" aria-labelledby={id} sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 1 }}>
      <Typography id={id} variant="subtitle1" component="h3" sx={{ fontWeight: 600 }}>
        {title}
      </Typography>
      <Typography variant="body2" component="div" sx={{ flexGrow: 1 }}>
        {children}
      </Typography>
      <Box>{action}</Box>
    </Paper>
  );
}

/**
 * The template's versions, publishing a new one, and the seed's two options for the inquiries a new version
 * leaves behind, side by side: leave them to finish where they are, or recreate them on the latest.
 */
export function VersionsSection({ template }: { template: TemplateDetail }) {
  const titleId = useId();
  const notify = useNotify();
  const mutations = useTemplateMutations();
  // The count is fixed when the dialog opens: it is what the manager confirms, and what the server checks.
  const [dialog, setDialog] = useState<{ kind: 'publish' } | { kind: 'recreate'; count: number } | null>(null);
  const outdated = outdatedOpenCount(template.versions);
  const latest = template.latestVersionNumber;
  const openOnLatest = template.versions.find((v) => v.isLatest)?.openInquiryCount ?? 0;
  const noun = outdated === 1 ? 'inquiry' : 'inquiries';

  return (
    <Card component="section" aria-labelledby={titleId}>
      <CardContent>
        <Stack direction="row" spacing={2} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
          <Typography id={titleId} variant="h3" component="h2" sx={{ flexGrow: 1 }}>
            Versions
          </Typography>
          {template.managedBy === 'persona' ? (
            <Typography variant="body2" color="text.secondary">
              Versions are published in Persona&apos;s dashboard; a new one appears here with the first inquiry created on it.
            </Typography>
          ) : (
            <PermissionTooltip permission="policy:edit" action="publish versions">
              {({ allowed }) => (
                <Button variant="outlined" disabled={!allowed} onClick={() => setDialog({ kind: 'publish' })}>
                  Publish new version…
                </Button>
              )}
            </PermissionTooltip>
          )}
        </Stack>
        <Box sx={{ overflowX: 'auto' }}>
          <VersionsTable templateName={template.name} versions={template.versions} />
        </Box>

        <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 600, mt: 3 }}>
          Open inquiries on outdated versions: {formatCount(outdated)}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
          When a new version is published, inquiries already open stay pinned to the version they were created on. Two ways to handle them:
        </Typography>
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' } }}>
          <Option
            title="Leave them"
            action={
              outdated > 0 ? (
                <Link component={RouterLink} to={outdatedListLink(template.id)}>
                  See the {formatCount(outdated)} in the Outdated view
                </Link>
              ) : null
            }
          >
            They finish on the version they started on, and expire as the policy says. Nothing to do — but end users go through the old flow, and anyone
            who loses access is better recreated than resumed.
          </Option>
          <Option
            title={latest > 0 ? `Recreate them on v${latest}` : 'Recreate them on the latest version'}
            action={
              <PermissionTooltip permission="policy:edit" action="recreate outdated inquiries in bulk">
                {({ allowed }) => (
                  <Button variant="contained" color="warning" disabled={!allowed || outdated === 0} onClick={() => setDialog({ kind: 'recreate', count: outdated })}>
                    {outdated > 0 ? `Recreate ${formatCount(outdated)} outdated open ${noun}…` : 'Nothing to recreate'}
                  </Button>
                )}
              </PermissionTooltip>
            }
          >
            Each gets exactly one successor on the latest version with the same reference id, account and prefilled fields; the old one is expired and its
            links revoked. End users start the new flow from the beginning.
          </Option>
        </Box>
      </CardContent>
      {dialog?.kind === 'publish' ? (
        <PublishVersionDialog
          templateName={template.name}
          latestVersionNumber={latest}
          openOnLatest={openOnLatest}
          onClose={() => setDialog(null)}
          onConfirm={async (notes, reason) => {
            const published = await mutations.publishVersion.mutateAsync({ templateId: template.id, notes, reason });
            setDialog(null);
            notify(`Published v${published.versionNumber}; ${formatCount(published.outdatedOpenCount)} open inquiries are now on an outdated version.`);
          }}
        />
      ) : null}
      {dialog?.kind === 'recreate' ? (
        <RecreateOutdatedDialog
          count={dialog.count}
          latestVersionNumber={latest}
          onClose={() => setDialog(null)}
          onConfirm={async (reason) => {
            const result = await mutations.recreateOutdated.mutateAsync({ templateId: template.id, reason, expectedCount: dialog.count });
            setDialog(null);
            notify(
              `Recreated ${formatCount(result.recreated)} inquiries on v${latest}` +
                (result.skipped > 0 ? `; ${formatCount(result.skipped)} skipped (finished or recreated meanwhile).` : '.'),
            );
          }}
        />
      ) : null}
    </Card>
  );
}
