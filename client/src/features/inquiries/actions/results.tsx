import Alert from '@mui/material/Alert';
import MuiLink from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router';
import { CopyField } from '../../../components/CopyField';
import { ExpiryText } from '../../../components/ExpiryText';
import { OneTimeSecret } from '../../../components/OneTimeSecret';
import { formatAbsolute } from '../../../lib/time';
import type { RouterOutputs } from '../../../lib/trpc';
import { DefinitionList } from '../detail/DefinitionList';
import { Handoffs } from './Handoffs';

type ResumeOutput = RouterOutputs['inquiries']['resume'];
type LinkOutput = RouterOutputs['links']['createOneTime'];
type PendingTokenLink = Extract<RouterOutputs['links']['createWithToken'], { status: 'pending_approval' }>;

function Expiry({ expiresAt }: { expiresAt: Date }) {
  return (
    <Stack direction="row" spacing={1} component="span" sx={{ alignItems: 'baseline', flexWrap: 'wrap' }}>
      <ExpiryText expiresAt={expiresAt} />
      <Typography component="span" variant="caption" color="text.secondary">
        {formatAbsolute(expiresAt)}
      </Typography>
    </Stack>
  );
}

/** The seed's embedded-SDK scenario: the customer's app loads inquiry-id and session-token into the SDK. */
export function ResumeResult({ result }: { result: ResumeOutput }) {
  return (
    <>
      <Alert severity="success" role="status">
        Resumed{result.reusedSession ? ': an unused live session was handed out again' : ''}. Give the customer&apos;s app the inquiry id and this session
        token to load into the SDK (<code>inquiry-id</code> and <code>session-token</code>), over a secure channel.
      </Alert>
      <OneTimeSecret
        label="Session token"
        value={result.sessionToken}
        autoFocus
        autoCopy
        note="This token is shown only now. Copy it before you close this dialog: it is not stored anywhere and cannot be shown again."
      />
      <CopyField label="Inquiry id" value={result.inquiryId} />
      <Handoffs inquiryId={result.inquiryId} sessionToken={result.sessionToken} />
      <DefinitionList
        items={[
          { label: 'Session', value: result.sessionId },
          { label: 'Token expires', value: <Expiry expiresAt={result.expiresAt} /> },
          { label: 'Fingerprint', value: `${result.tokenFingerprint} (identifies the token in the audit log)` },
        ]}
      />
    </>
  );
}

export function OneTimeLinkResult({ result }: { result: LinkOutput }) {
  return (
    <>
      <Alert severity="success" role="status">
        One-time link created. It opens once (and again for 5 minutes after the first use, for a reload), until it expires.
      </Alert>
      <OneTimeSecret label="One-time link" value={result.url} autoFocus autoCopy note="This link is shown only now. Copy it and send it to the end user." />
      <DefinitionList
        items={[
          { label: 'Link', value: result.linkId },
          { label: 'Expires', value: <Expiry expiresAt={result.expiresAt} /> },
        ]}
      />
    </>
  );
}

export function TokenLinkResult({ result }: { result: LinkOutput }) {
  return (
    <>
      <Alert severity="warning" role="note">
        This link carries a session token: anyone holding it can open the inquiry until it expires. Send it only over a secure channel, and revoke it
        from the Links card if it goes astray.
      </Alert>
      <OneTimeSecret
        label="Link with session token"
        value={result.url}
        autoFocus
        autoCopy
        note="This link is shown only now: it contains the session token, which is never stored. Copy it before you close this dialog."
      />
      <DefinitionList
        items={[
          { label: 'Link', value: result.linkId },
          { label: 'Expires', value: <Expiry expiresAt={result.expiresAt} /> },
        ]}
      />
    </>
  );
}

/** The two-person rule: the request is recorded; a second person decides, then the requester collects the link once. */
export function TokenLinkRequestSent({ result }: { result: PendingTokenLink }) {
  return (
    <>
      <Alert severity="success" role="status">
        Request sent. Compliance or an admin must approve it before the link is issued. Once approved, collect the link from the{' '}
        <MuiLink component={RouterLink} to="/access">
          Access page
        </MuiLink>{' '}
        (it is shown once).
      </Alert>
      <DefinitionList
        items={[
          { label: 'Request', value: result.requestId },
          { label: 'Decide by', value: <Expiry expiresAt={result.expiresAt} /> },
        ]}
      />
    </>
  );
}
