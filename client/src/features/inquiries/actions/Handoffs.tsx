import Stack from '@mui/material/Stack';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import { useId, useMemo, useState } from 'react';
import { CopyField } from '../../../components/CopyField';
import { buildHandoffs, defaultHostedFlowUrl, type HandoffKind } from './handoffs';

export interface HandoffsProps {
  inquiryId: string;
  sessionToken: string;
  /** The hosted flow's base URL; defaults to this console's own `/verify`. */
  hostedFlowUrl?: string | undefined;
}

/**
 * Ready-to-paste hand-offs of a resumed inquiry, one tab per integration. They carry the session token, so, like
 * the token, they live only in this component: never stored, gone when the dialog closes.
 */
export function Handoffs({ inquiryId, sessionToken, hostedFlowUrl }: HandoffsProps) {
  const base = hostedFlowUrl ?? defaultHostedFlowUrl(window.location.origin);
  const handoffs = useMemo(() => buildHandoffs({ inquiryId, sessionToken, hostedFlowUrl: base }), [inquiryId, sessionToken, base]);
  const [kind, setKind] = useState<HandoffKind>('hosted');
  const id = useId();
  const shown = handoffs.find((h) => h.kind === kind) ?? handoffs[0];
  if (!shown) return null;
  return (
    <Stack spacing={1} component="section" aria-labelledby={`${id}-heading`}>
      <Typography id={`${id}-heading`} variant="subtitle2" component="h3">
        Hand-off for the customer&apos;s app
      </Typography>
      <Tabs value={kind} onChange={(_, value: HandoffKind) => setKind(value)} variant="scrollable" scrollButtons="auto" aria-label="Integration">
        {handoffs.map((h) => (
          <Tab key={h.kind} value={h.kind} label={h.label} id={`${id}-tab-${h.kind}`} aria-controls={`${id}-panel`} />
        ))}
      </Tabs>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${shown.kind}`}>
        <CopyField
          key={shown.kind}
          label={`${shown.label} hand-off`}
          copyLabel={`${shown.kind === 'hosted' ? 'hosted link' : shown.label} hand-off`}
          value={shown.code}
          helperText={shown.platform}
          multiline
          carriesSecret
        />
      </div>
    </Stack>
  );
}
