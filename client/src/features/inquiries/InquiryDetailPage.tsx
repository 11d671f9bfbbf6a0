import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import SearchOffIcon from '@mui/icons-material/SearchOff';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useEffect } from 'react';
import { Link as RouterLink, useLocation, useParams } from 'react-router';
import { INQUIRY_ID_PATTERN } from '@shared/inquiries.js';
import { isOpenStatus } from '@shared/statuses.js';
import { CopyButton } from '../../components/CopyButton';
import { ExpiryText } from '../../components/ExpiryText';
import { RelativeTime } from '../../components/RelativeTime';
import { EmptyState, ErrorState } from '../../components/states';
import { StatusChip } from '../../components/StatusChip';
import { VersionChip } from '../../components/VersionChip';
import { errorCodeOf, type RouterOutputs } from '../../lib/trpc';
import { MONOSPACE } from '../../theme/theme';
import { ActionsPanel } from './detail/ActionsPanel';
import { DetailsCard } from './detail/DetailsCard';
import { FieldsCard } from './detail/FieldsCard';
import { DiagnosisPanel } from './detail/DiagnosisPanel';
import { LineageCard } from './detail/LineageCard';
import { LinksCard } from './detail/LinksCard';
import { SessionsCard } from './detail/SessionsCard';
import { TimelineCard } from './detail/TimelineCard';
import { useInquiry } from './hooks';

type Inquiry = RouterOutputs['inquiries']['get'];

/** Back to the list the agent came from, filters and page intact; the plain list otherwise. */
function useBackTarget(): string {
  const location = useLocation();
  const from = (location.state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/inquiries') ? from : '/inquiries';
}

function BackLink() {
  return (
    <Link component={RouterLink} to={useBackTarget()} underline="hover" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5 }}>
      <ArrowBackIcon fontSize="small" /> Inquiries
    </Link>
  );
}

function Header({ inquiry }: { inquiry: Inquiry }) {
  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography variant="h1" sx={{ fontFamily: MONOSPACE, fontSize: { xs: '1.1rem', sm: '1.4rem' }, overflowWrap: 'anywhere' }}>
          {inquiry.id}
        </Typography>
        <CopyButton value={inquiry.id} label="inquiry id" />
        <StatusChip status={inquiry.status} size="medium" />
      </Stack>
      <Stack direction="row" spacing={2} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap', color: 'text.secondary' }}>
        <Typography variant="body2" color="text.primary">
          {inquiry.templateName}
        </Typography>
        <VersionChip versionNumber={inquiry.versionNumber} latestVersionNumber={inquiry.latestVersionNumber} variant="long" />
        <Typography variant="body2" component="span">
          Created <RelativeTime value={inquiry.createdAt} />
        </Typography>
        {/* A finished or decided inquiry's expiry no longer means anything: "Expired 3 d ago" would mislead. */}
        {isOpenStatus(inquiry.status) || inquiry.status === 'expired' ? <ExpiryText expiresAt={inquiry.expiresAt} status={inquiry.status} sentence /> : null}
        <Typography variant="body2" component="span">
          {inquiry.liveSessionCount} live {inquiry.liveSessionCount === 1 ? 'session' : 'sessions'}
        </Typography>
      </Stack>
    </Stack>
  );
}

/** A recreated inquiry is retired: the work continues on its successor. */
function ReplacedNotice({ successorId }: { successorId: string }) {
  return (
    <Alert
      severity="info"
      role="note"
      action={
        <Button component={RouterLink} to={`/inquiries/${successorId}`} color="inherit" size="small">
          Open the new inquiry
        </Button>
      }
    >
      Recreated as <span style={{ fontFamily: MONOSPACE }}>{successorId}</span>: act on the new inquiry instead.
    </Alert>
  );
}

function DetailSkeleton() {
  return (
    <Stack spacing={2} aria-busy="true" aria-label="Loading inquiry">
      <Skeleton variant="text" width={360} height={40} />
      <Skeleton variant="text" width={480} />
      <Skeleton variant="rounded" height={96} />
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: '2fr 1fr' } }}>
        <Skeleton variant="rounded" height={360} />
        <Skeleton variant="rounded" height={360} />
      </Box>
    </Stack>
  );
}

function NotFound({ id, reason }: { id: string; reason?: string }) {
  return (
    <Paper variant="outlined">
      <EmptyState
        icon={<SearchOffIcon fontSize="large" />}
        title={`No inquiry ${id} — check the id`}
        isPageHeading
        description={reason ?? 'It may have been mistyped or copied only in part. Search by reference id or email instead.'}
        action={
          <Button component={RouterLink} to="/inquiries" variant="contained">
            Back to inquiries
          </Button>
        }
      />
    </Paper>
  );
}

export default function InquiryDetailPage() {
  const { id = '' } = useParams();
  const wellFormed = INQUIRY_ID_PATTERN.test(id);
  const inquiry = useInquiry(id, wellFormed);

  useEffect(() => {
    document.title = `${id} · Inquiry Desk`;
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, [id]);

  let body;
  if (!wellFormed) {
    body = <NotFound id={id} reason="Inquiry ids look like inq_ followed by letters and digits." />;
  } else if (inquiry.data) {
    // Shown even when a refetch fails: an open action dialog (a token on screen) must not vanish with it.
    const data = inquiry.data;
    body = (
      <Stack spacing={2}>
        {inquiry.isError ? (
          <Alert severity="warning" action={<Button color="inherit" size="small" onClick={() => void inquiry.refetch()}>Retry</Button>}>
            Could not refresh this inquiry: what you see may be out of date.
          </Alert>
        ) : null}
        <Header inquiry={data} />
        {data.successor ? <ReplacedNotice successorId={data.successor.id} /> : null}
        {/* On a phone the actions come first (what the agent came for); on a desktop they head the right column. */}
        <Box
          sx={{
            display: 'grid',
            gap: 2,
            alignItems: 'start',
            gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'minmax(0, 2fr) minmax(0, 1fr)' },
            gridTemplateAreas: { xs: '"actions" "main" "side"', lg: '"main actions" "main side"' },
            gridTemplateRows: { lg: 'auto 1fr' },
          }}
        >
          <Box sx={{ gridArea: 'actions', minWidth: 0 }}>
            <ActionsPanel key={data.id} inquiry={data} />
          </Box>
          <Stack spacing={2} sx={{ gridArea: 'main', minWidth: 0 }}>
            <DiagnosisPanel findings={data.diagnosis} />
            <DetailsCard inquiry={data} />
            <FieldsCard inquiryId={data.id} fields={data.fields} />
            <SessionsCard inquiryId={data.id} sessions={data.sessions} />
            <LinksCard inquiryId={data.id} links={data.links} />
          </Stack>
          <Stack spacing={2} sx={{ gridArea: 'side', minWidth: 0 }}>
            <LineageCard inquiry={data} />
            <TimelineCard events={data.timeline} />
          </Stack>
        </Box>
      </Stack>
    );
  } else if (inquiry.isError) {
    body =
      errorCodeOf(inquiry.error) === 'NOT_FOUND' ? (
        <NotFound id={id} />
      ) : (
        <ErrorState title="Could not load this inquiry" error={inquiry.error} onRetry={() => void inquiry.refetch()} />
      );
  } else {
    body = <DetailSkeleton />;
  }

  return (
    <Stack spacing={2}>
      <Box>
        <BackLink />
      </Box>
      {body}
    </Stack>
  );
}
