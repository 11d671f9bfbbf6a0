import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import { DialogFrame } from '../../components/DialogFrame';
import { FinderInput } from './FinderInput';
import { FinderResults } from './FinderResults';
import { useInquiryFinder } from './useInquiryFinder';

export interface CommandPaletteProps {
  onClose: () => void;
}

/**
 * The palette Ctrl/⌘+K (or "/" outside a text field) opens on every page: the same search as the top bar, in a
 * dialog. Mounted for one opening: every opening starts blank. Escape closes it and focus goes back to where it was.
 */
export function CommandPalette({ onClose }: CommandPaletteProps) {
  const finder = useInquiryFinder({ onOpened: onClose });
  const hintId = useId();
  const actions = (
    <>
      <Button onClick={onClose}>Close</Button>
      <Button variant="contained" onClick={finder.submit} disabled={!finder.text.trim() || finder.state.phase === 'loading'}>
        Find
      </Button>
    </>
  );
  return (
    <DialogFrame title="Find an inquiry" onClose={onClose} actions={actions}>
      <FinderInput look="dialog" finder={finder} autoFocus label="Find an inquiry" placeholder="Paste an id, reference, email or link, then Enter" describedBy={hintId} />
      <Typography id={hintId} variant="body2" color="text.secondary">
        An inquiry id (inq_…), a reference id, an email address, a hosted-flow link (…?inquiry-id=…) or a one-time link. One match opens
        at once; several are listed: ↑ ↓ to choose, Enter to open, Ctrl+Enter (⌘+Enter) for a new tab.
      </Typography>
      {finder.state.phase !== 'idle' ? (
        <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: '50vh', overflowY: 'auto' }}>
          <FinderResults finder={finder} onLeave={onClose} />
        </Box>
      ) : null}
    </DialogFrame>
  );
}
