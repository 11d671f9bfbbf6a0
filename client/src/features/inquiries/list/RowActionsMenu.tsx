import MoreVertIcon from '@mui/icons-material/MoreVert';
import WarningAmberRoundedIcon from '@mui/icons-material/WarningAmberRounded';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Typography from '@mui/material/Typography';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import type { ActionName, ActionVerdict } from '@shared/actions.js';
import { useTRPC } from '../../../lib/trpc';

/** The names the row menu gives the actions (the detail page's Actions panel describes them at length). */
export const ROW_ACTION_LABELS: Record<ActionName, string> = {
  resume: 'Resume',
  oneTimeLink: 'One-time link',
  recreate: 'Recreate',
  tokenLink: 'Link with token',
};

const ROW_ACTION_HINTS: Record<ActionName, string> = {
  resume: 'A session token for the customer’s app',
  oneTimeLink: 'A single-use link to the hosted flow (recommended)',
  recreate: 'A new inquiry on the latest version',
  tokenLink: 'The hosted-flow link with a token: last resort',
};

/** The order of the detail page's panel: the everyday actions, then the last resort. */
const ORDER: readonly ActionName[] = ['resume', 'oneTimeLink', 'recreate', 'tokenLink'];

/** The verdicts and the inquiry the dialogs need, fetched when the menu opens (cached for the dialog it opens). */
function useRowActionData(inquiryId: string) {
  const trpc = useTRPC();
  // Always asked afresh on opening: the verdict must be the server's judgement now, not when the page loaded.
  const verdicts = useQuery(trpc.inquiries.actionsFor.queryOptions({ id: inquiryId }, { staleTime: 0 }));
  const inquiry = useQuery(trpc.inquiries.get.queryOptions({ id: inquiryId }));
  return { verdicts, inquiry };
}

function ActionItem({ action, verdict, onChoose }: { action: ActionName; verdict: ActionVerdict; onChoose: (action: ActionName) => void }) {
  const disabled = !verdict.allowed;
  const secondary = disabled ? verdict.reasons.join(' ') : verdict.warnings.length > 0 ? null : ROW_ACTION_HINTS[action];
  return (
    <MenuItem
      data-action={action}
      // Not `disabled`: a disabled item fades its words and cannot be focused, and the reason is the point.
      aria-disabled={disabled || undefined}
      onClick={disabled ? undefined : () => onChoose(action)}
      sx={{ alignItems: 'flex-start', whiteSpace: 'normal', ...(disabled ? { cursor: 'default', '&:hover': { bgcolor: 'transparent' } } : {}) }}
    >
      <ListItemText
        primary={ROW_ACTION_LABELS[action]}
        secondary={
          <>
            {secondary}
            {!disabled
              ? verdict.warnings.map((warning) => (
                  <Box key={warning} component="span" sx={{ display: 'flex', gap: 0.5, alignItems: 'flex-start', mt: 0.25 }}>
                    <WarningAmberRoundedIcon aria-hidden fontSize="inherit" sx={{ color: 'warning.main', mt: '2px' }} />
                    <span>{warning}</span>
                  </Box>
                ))
              : null}
          </>
        }
        slotProps={{ primary: { sx: { fontWeight: 500, color: disabled ? 'text.secondary' : 'text.primary' } }, secondary: { component: 'span', sx: { display: 'block' } } }}
      />
    </MenuItem>
  );
}

function RowActionItems({ inquiryId, onChoose }: { inquiryId: string; onChoose: (action: ActionName) => void }) {
  const { verdicts, inquiry } = useRowActionData(inquiryId);
  if (verdicts.data && inquiry.data) {
    const data = verdicts.data;
    return ORDER.flatMap((action) => [
      ...(action === 'tokenLink' ? [<Divider key="divider" />] : []),
      <ActionItem key={action} action={action} verdict={data[action]} onChoose={onChoose} />,
    ]);
  }
  const error = verdicts.error ?? inquiry.error;
  if (error) {
    return (
      <Box role="alert" sx={{ px: 2, py: 1 }}>
        <Typography variant="body2">Could not load the actions: {error.message}</Typography>
        <Button
          size="small"
          onClick={() => {
            void verdicts.refetch();
            void inquiry.refetch();
          }}
        >
          Try again
        </Button>
      </Box>
    );
  }
  return (
    <Box role="status" aria-live="polite" sx={{ px: 2, py: 1.5, display: 'flex', gap: 1.5, alignItems: 'center' }}>
      <CircularProgress size={18} aria-hidden />
      <Typography variant="body2">Checking what you may do…</Typography>
    </Box>
  );
}

export interface RowActionsMenuProps {
  inquiryId: string;
  /** The grid's focus is on this cell: the button takes it, so arrow keys and Enter reach it. */
  hasFocus: boolean;
  tabIndex: 0 | -1;
  /** The menu is about to open (load what the dialogs need). */
  onOpen?: () => void;
  onChoose: (inquiryId: string, action: ActionName) => void;
}

/** Stops an event from reaching the row: a click here must not also open the inquiry, nor a key move the grid's focus. */
const stop = (event: SyntheticEvent) => event.stopPropagation();

/**
 * A row's "more actions" menu: the guarded actions with the server's verdict for each, fetched on opening. An
 * action that is not allowed stays listed with the reason; choosing an allowed one opens the same dialog as on the
 * inquiry's page (the list renders it, so it outlives the row).
 */
export function RowActionsMenu({ inquiryId, hasFocus, tabIndex, onOpen, onChoose }: RowActionsMenuProps) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (hasFocus && !open) button.current?.focus();
  }, [hasFocus, open]);

  return (
    <>
      <IconButton
        ref={button}
        size="small"
        tabIndex={tabIndex}
        aria-label={`More actions for ${inquiryId}`}
        aria-haspopup="menu"
        aria-controls={open ? menuId : undefined}
        aria-expanded={open ? 'true' : undefined}
        onClick={(event) => {
          event.stopPropagation();
          onOpen?.();
          setOpen(true);
        }}
        onKeyDown={(event) => {
          // The grid would take Enter and Space as its own; they open the menu, like a click.
          if (event.key === 'Enter' || event.key === ' ') event.stopPropagation();
        }}
      >
        <MoreVertIcon fontSize="small" />
      </IconButton>
      <Menu
        id={menuId}
        anchorEl={button.current}
        open={open}
        onClose={() => setOpen(false)}
        onClick={stop}
        onKeyDown={stop}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
        slotProps={{ list: { 'aria-label': `Actions for ${inquiryId}` }, paper: { sx: { width: 340, maxWidth: 'calc(100vw - 32px)' } } }}
      >
        {open ? (
          <RowActionItems
            inquiryId={inquiryId}
            onChoose={(action) => {
              setOpen(false);
              onChoose(inquiryId, action);
            }}
          />
        ) : null}
      </Menu>
    </>
  );
}
