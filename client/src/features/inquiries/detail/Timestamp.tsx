import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { RelativeTime } from '../../../components/RelativeTime';
import { formatAbsolute } from '../../../lib/time';

/** Relative and absolute together: details pages are read closely, and compliance wants the exact time. */
export function Timestamp({ value }: { value: Date | null }) {
  if (!value) {
    return (
      <Typography component="span" variant="body2" color="text.secondary">
        —
      </Typography>
    );
  }
  return (
    <Stack direction="row" spacing={1} component="span" sx={{ flexWrap: 'wrap', alignItems: 'baseline' }}>
      <RelativeTime value={value} />
      <Typography component="span" variant="caption" color="text.secondary">
        {formatAbsolute(value)}
      </Typography>
    </Stack>
  );
}
