import Chip, { type ChipProps } from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';
import { isKnownStatus, statusLabel, type Status } from '@shared/statuses.js';

type ChipColor = NonNullable<ChipProps['color']>;

function colorOf(status: Status): ChipColor {
  switch (status) {
    case 'created':
      return 'default';
    case 'pending':
      return 'info';
    case 'completed':
      return 'primary';
    case 'failed':
      return 'error';
    case 'expired':
      return 'warning';
    case 'approved':
      return 'success';
    case 'declined':
      return 'error';
    case 'needs_review':
      return 'secondary';
  }
}

/** An inquiry status. A status this console does not know yet (the vendor added one) shows as-is, never crashes. */
export function StatusChip({ status, size = 'small' }: { status: string; size?: ChipProps['size'] }) {
  if (!isKnownStatus(status)) {
    return (
      <Tooltip title="A status this console does not know yet" describeChild>
        <Chip label={status || 'unknown'} size={size} variant="outlined" data-status={status} />
      </Tooltip>
    );
  }
  const outlined = status === 'created';
  return <Chip label={statusLabel(status)} color={colorOf(status)} size={size} variant={outlined ? 'outlined' : 'filled'} data-status={status} />;
}
