import SearchOffIcon from '@mui/icons-material/SearchOff';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import { useEffect } from 'react';
import { Link as RouterLink, useParams } from 'react-router';
import { EmptyState, ErrorState } from '../../components/states';
import { errorCodeOf } from '../../lib/trpc';
import { OpenInquiriesCharts } from './charts/OpenInquiriesCharts';
import { useTemplate } from './hooks';
import { PolicyHistory } from './policy/PolicyHistory';
import { PolicySection } from './policy/PolicySection';
import { BackToTemplates, TemplateHeader } from './TemplateHeader';
import { VersionsSection } from './versions/VersionsSection';

/** shared/templates.ts TemplateIdSchema's rule, checked before asking. */
const TEMPLATE_ID = /^itmpl_[A-Za-z0-9]+$/;

function NotFound({ id, reason }: { id: string; reason?: string }) {
  return (
    <Paper variant="outlined">
      <EmptyState
        icon={<SearchOffIcon fontSize="large" />}
        title={`No template ${id}`}
        description={reason ?? 'It may have been mistyped. Pick one from the templates page.'}
        action={
          <Button component={RouterLink} to="/templates" variant="contained">
            Back to templates
          </Button>
        }
      />
    </Paper>
  );
}

function PageSkeleton() {
  return (
    <Stack spacing={2} aria-busy="true" aria-label="Loading template">
      <Skeleton variant="text" width={360} height={40} />
      <Skeleton variant="rounded" height={140} />
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' } }}>
        <Skeleton variant="rounded" height={300} />
        <Skeleton variant="rounded" height={300} />
      </Box>
    </Stack>
  );
}

/**
 * /templates/:id — one template for managers: the live version and policy in force, where its open inquiries
 * are, how long finished ones took against the policy's cut-offs, the policy editor (policy:edit), its history,
 * and the versions with the two ways of handling inquiries a new version leaves behind.
 */
export default function TemplatePage() {
  const { id = '' } = useParams();
  const wellFormed = TEMPLATE_ID.test(id);
  const template = useTemplate(id, wellFormed);
  const name = template.data?.name ?? id;

  useEffect(() => {
    document.title = `${name} · Templates · Inquiry Desk`;
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, [name]);

  let body;
  if (!wellFormed) {
    body = <NotFound id={id} reason="Template ids look like itmpl_ followed by letters and digits." />;
  } else if (template.data) {
    const data = template.data;
    body = (
      <Stack spacing={2}>
        {template.isError ? (
          <Alert severity="warning" action={<Button color="inherit" size="small" onClick={() => void template.refetch()}>Retry</Button>}>
            Could not refresh this template: what you see may be out of date.
          </Alert>
        ) : null}
        <TemplateHeader template={data} />
        <OpenInquiriesCharts template={data} />
        <PolicySection
          key={data.id}
          template={data}
          reload={async () => {
            const fresh = await template.refetch();
            return fresh.data;
          }}
        />
        <PolicyHistory templateId={data.id} />
        <VersionsSection template={data} />
      </Stack>
    );
  } else if (template.isError) {
    body =
      errorCodeOf(template.error) === 'NOT_FOUND' ? (
        <NotFound id={id} />
      ) : (
        <ErrorState title="Could not load this template" error={template.error} onRetry={() => void template.refetch()} />
      );
  } else {
    body = <PageSkeleton />;
  }

  return (
    <Stack spacing={2}>
      <Box>
        <BackToTemplates />
      </Box>
      {body}
    </Stack>
  );
}
