import CheckIcon from '@mui/icons-material/Check';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import IconButton, { type IconButtonProps } from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import { useEffect, useState } from 'react';
import { writeClipboard } from './clipboard';

export interface CopyButtonProps {
  value: string;
  /** What is copied, for the accessible name: "inquiry id" → "Copy inquiry id". */
  label: string;
  size?: IconButtonProps['size'];
  /** After a successful copy (a show-once dialog then knows the secret left it). */
  onCopied?: () => void;
}

export function CopyButton({ value, label, size = 'small', onCopied }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 1500);
    return () => clearTimeout(timer);
  }, [state]);

  const title = state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy — select the text instead' : `Copy ${label}`;
  return (
    <Tooltip title={title} describeChild>
      <IconButton
        aria-label={`Copy ${label}`}
        size={size}
        onClick={() => {
          writeClipboard(value).then(
            () => {
              setState('copied');
              onCopied?.();
            },
            () => setState('failed'),
          );
        }}
      >
        {state === 'copied' ? <CheckIcon fontSize="inherit" color="success" /> : <ContentCopyIcon fontSize="inherit" />}
      </IconButton>
    </Tooltip>
  );
}
