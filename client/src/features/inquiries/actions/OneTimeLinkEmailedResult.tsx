import Alert from '@mui/material/Alert';
import Typography from '@mui/material/Typography';
import { ExpiryText } from '../../../components/ExpiryText';
import { formatAbsolute, formatExpiry } from '../../../lib/time';
import { useNow } from '../../../lib/useNow';
import type { RouterOutputs } from '../../../lib/trpc';
import { DefinitionList } from '../detail/DefinitionList';

type LinkOutput = RouterOutputs['links']['createOneTime'];

/**
 * A one-time link that went to the end user by email. The link itself is not shown: nobody needs to copy it,
 * and it should not pass through a chat window. The address stays masked, as the server sent it.
 */
export function OneTimeLinkEmailedResult({ result }: { result: LinkOutput }) {
  const now = useNow();
  const sentTo = result.sentTo ?? 'the address on file';
  return (
    <>
      <Alert severity="success" role="status">
        Sent to {sentTo}, expires {formatExpiry(result.expiresAt, now)} ({formatAbsolute(result.expiresAt)}). It opens once (and again for 5 minutes
        after the first use, for a reload).
      </Alert>
      <Typography variant="body2" color="text.secondary">
        If the end user cannot find the message, ask them to check their spam folder before you send another: each new link is a new code.
      </Typography>
      <DefinitionList
        items={[
          { label: 'Link', value: result.linkId },
          { label: 'Sent to', value: sentTo },
          { label: 'Expires', value: <ExpiryText expiresAt={result.expiresAt} /> },
        ]}
      />
    </>
  );
}
