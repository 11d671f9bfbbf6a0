import Chip, { type ChipProps } from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';

export interface VersionChipProps {
  versionNumber: number;
  latestVersionNumber: number;
  /** "long" adds the latest number: "v3 of 5 · 2 behind" (detail header); "short" is "v3 · 2 behind" (lists). */
  variant?: 'short' | 'long';
  size?: ChipProps['size'];
}

export function versionText(versionNumber: number, latestVersionNumber: number, variant: 'short' | 'long' = 'short'): string {
  const behind = Math.max(0, latestVersionNumber - versionNumber);
  const head = variant === 'long' ? `v${versionNumber} of ${Math.max(latestVersionNumber, versionNumber)}` : `v${versionNumber}`;
  return behind === 0 ? `${head} · latest` : `${head} · ${behind} behind`;
}

/** The flow version an inquiry is pinned to, and how far the template has moved on since. */
export function VersionChip({ versionNumber, latestVersionNumber, variant = 'short', size = 'small' }: VersionChipProps) {
  const outdated = versionNumber < latestVersionNumber;
  const label = versionText(versionNumber, latestVersionNumber, variant);
  if (!outdated) return <Chip label={label} size={size} variant="outlined" />;
  return (
    <Tooltip
      describeChild
      title={`The template is on v${latestVersionNumber}. Persona recommends recreating the inquiry on the latest version rather than resuming it.`}
    >
      <Chip label={label} size={size} color="warning" variant="outlined" />
    </Tooltip>
  );
}
