import Tooltip from '@mui/material/Tooltip';
import Typography, { type TypographyProps } from '@mui/material/Typography';
import { isOpenStatus } from '@shared/statuses.js';
import { formatAbsolute, formatExpiry } from '../lib/time';
import { useNow } from '../lib/useNow';

const HOUR = 3_600_000;

function toSentence(text: string): string {
  return text.startsWith('in ') ? `Expires ${text}` : text.charAt(0).toUpperCase() + text.slice(1);
}

export interface ExpiryTextProps {
  expiresAt: Date;
  /** With a status, expiry is muted where it no longer matters (finished or decided inquiries). */
  status?: string;
  variant?: TypographyProps['variant'];
  /** "Expires in 5 h" / "Expired 3 d ago": reads on its own, for headers. */
  sentence?: boolean;
  /** Never coloured: for things whose expiry is routine (a session). */
  muted?: boolean;
}

/** "in 5 h" while the inquiry can still be worked on, "expired 3 d ago" once its time has passed. */
export function ExpiryText({ expiresAt, status, variant = 'body2', sentence = false, muted = false }: ExpiryTextProps) {
  const now = useNow();
  const remaining = expiresAt.getTime() - now;
  const matters = !muted && (status === undefined || isOpenStatus(status) || status === 'expired');
  const color = !matters ? 'text.secondary' : remaining <= 0 ? 'error' : remaining <= HOUR ? 'warning' : undefined;
  return (
    <Tooltip title={`Expires ${formatAbsolute(expiresAt)}`} describeChild>
      <Typography component="time" dateTime={expiresAt.toISOString()} variant={variant} color={color} sx={{ whiteSpace: 'nowrap' }}>
        {sentence ? toSentence(formatExpiry(expiresAt, now)) : formatExpiry(expiresAt, now)}
      </Typography>
    </Tooltip>
  );
}
