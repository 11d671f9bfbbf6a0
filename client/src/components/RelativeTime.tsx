import Tooltip from '@mui/material/Tooltip';
import Typography, { type TypographyProps } from '@mui/material/Typography';
import { formatAbsolute, formatRelative } from '../lib/time';
import { useNow } from '../lib/useNow';

export interface RelativeTimeProps {
  value: Date | null | undefined;
  /** Shown when there is no value. */
  empty?: string;
  /** Turns the relative text into something else, e.g. (text) => `created ${text}`. */
  format?: (relative: string, now: number) => string;
  variant?: TypographyProps['variant'];
  color?: TypographyProps['color'];
}

/** "3 d ago", with the exact time in the viewer's time zone on hover (and as the element's title). */
export function RelativeTime({ value, empty = '—', format, variant = 'body2', color }: RelativeTimeProps) {
  const now = useNow();
  if (!value) {
    return (
      <Typography component="span" variant={variant} color="text.secondary">
        {empty}
      </Typography>
    );
  }
  const relative = formatRelative(value, now);
  return (
    <Tooltip title={formatAbsolute(value)} describeChild>
      <Typography component="time" dateTime={value.toISOString()} variant={variant} color={color} sx={{ whiteSpace: 'nowrap' }}>
        {format ? format(relative, now) : relative}
      </Typography>
    </Tooltip>
  );
}
