import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Link from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { FoundInquiry } from '@shared/inquiry-find.js';
import { Link as RouterLink } from 'react-router';
import { StatusChip } from '../../components/StatusChip';
import { errorMessageOf } from '../../lib/trpc';
import { formatAbsolute, formatRelative } from '../../lib/time';
import { MONOSPACE } from '../../theme/theme';
import { listSearchHref, noMatchMessage } from './searchWords';
import type { InquiryFinder } from './useInquiryFinder';

export interface FinderResultsProps {
  finder: InquiryFinder;
  /** A link to the list was followed: the popup or palette closes. */
  onLeave: () => void;
}

function MatchOption({ item, index, finder }: { item: FoundInquiry; index: number; finder: InquiryFinder }) {
  const active = index === finder.activeIndex;
  return (
    <Box
      component="li"
      role="option"
      id={finder.optionId(index)}
      aria-selected={active}
      data-inquiry-id={item.id}
      // Keep the focus in the box: the arrow keys and Enter go on working after a click elsewhere in the list.
      onMouseDown={(event) => event.preventDefault()}
      onMouseMove={() => {
        if (!active) finder.setActiveIndex(index);
      }}
      onClick={(event) => finder.open(item, { newTab: event.ctrlKey || event.metaKey })}
      onAuxClick={(event) => {
        if (event.button === 1) finder.open(item, { newTab: true });
      }}
      sx={{
        display: 'flex',
        gap: 1.5,
        alignItems: 'center',
        px: 1.5,
        py: 1,
        cursor: 'pointer',
        borderRadius: 1,
        bgcolor: active ? 'action.selected' : undefined,
        outline: active ? 2 : 0,
        outlineColor: 'primary.main',
        outlineOffset: -2,
      }}
    >
      <Box sx={{ flexShrink: 0, minWidth: 88 }}>
        <StatusChip status={item.status} />
      </Box>
      <Box sx={{ minWidth: 0 }}>
        <Typography variant="body2" noWrap sx={{ fontWeight: 600 }}>
          {item.referenceId ?? 'No reference id'}
          {item.emailMasked ? (
            <Typography component="span" variant="body2" color="text.secondary">
              {' · '}
              {item.emailMasked}
            </Typography>
          ) : null}
        </Typography>
        <Typography variant="caption" color="text.secondary" component="p" noWrap>
          {item.templateName} v{item.versionNumber} · created{' '}
          <time dateTime={item.createdAt.toISOString()} title={formatAbsolute(item.createdAt)}>
            {formatRelative(item.createdAt, Date.now())}
          </time>{' '}
          · <span style={{ fontFamily: MONOSPACE }}>{item.id}</span>
        </Typography>
      </Box>
    </Box>
  );
}

/** What one search found: a list of several for the arrow keys, a "no match" that says how the text was read, or the error. */
export function FinderResults({ finder, onLeave }: FinderResultsProps) {
  const { state } = finder;
  if (state.phase === 'idle') return null;
  if (state.phase === 'loading') {
    return (
      <Stack role="status" direction="row" spacing={1.5} sx={{ alignItems: 'center', p: 1.5 }}>
        <CircularProgress size={18} aria-hidden />
        <Typography variant="body2" color="text.secondary">
          Searching…
        </Typography>
      </Stack>
    );
  }
  if (state.phase === 'error') {
    return (
      <Alert
        severity="error"
        role="alert"
        action={
          <Button color="inherit" size="small" onClick={finder.submit}>
            Retry
          </Button>
        }
      >
        {errorMessageOf(state.error)}
      </Alert>
    );
  }

  const { result } = state;
  if (result.items.length === 0) {
    return (
      <Box role="status" sx={{ p: 1.5 }}>
        <Typography variant="body2">{noMatchMessage(result)}</Typography>
        <Link component={RouterLink} to={listSearchHref(result.kind === 'oneTimeLink' ? null : result.term)} onClick={onLeave} variant="body2">
          {result.kind === 'oneTimeLink' || result.term === null ? 'Open the inquiry list' : 'Search the inquiry list instead'}
        </Link>
      </Box>
    );
  }

  return (
    <Box sx={{ p: 0.5 }}>
      <Typography role="status" variant="caption" color="text.secondary" component="p" sx={{ px: 1.5, pt: 0.5, pb: 0.5 }}>
        {result.items.length} inquiries match{result.more ? ' (the newest shown)' : ''}. ↑ ↓ to choose, Enter to open, Ctrl+Enter for a new tab.
      </Typography>
      <Box component="ul" role="listbox" id={finder.listboxId} aria-label="Matching inquiries" sx={{ listStyle: 'none', m: 0, p: 0 }}>
        {result.items.map((item, index) => (
          <MatchOption key={item.id} item={item} index={index} finder={finder} />
        ))}
      </Box>
      {result.more ? (
        <Box sx={{ px: 1.5, py: 1 }}>
          <Link component={RouterLink} to={listSearchHref(result.term)} onClick={onLeave} variant="body2">
            More inquiries match: see them all in the list
          </Link>
        </Box>
      ) : null}
    </Box>
  );
}
