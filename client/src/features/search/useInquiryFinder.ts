import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useHref, useLocation, useNavigate } from 'react-router';
import type { FindInquiriesOutput, FoundInquiry } from '@shared/inquiry-find.js';
import { useTRPCClient } from '../../lib/trpc';

export type FinderState =
  | { phase: 'idle' }
  | { phase: 'loading'; q: string }
  | { phase: 'done'; q: string; result: FindInquiriesOutput }
  | { phase: 'error'; q: string; error: unknown };

export interface InquiryFinder {
  text: string;
  setText: (text: string) => void;
  state: FinderState;
  /** The highlighted row of a list of several matches (-1: none). */
  activeIndex: number;
  setActiveIndex: (index: number) => void;
  /** Searches the text as it stands (Enter does this). */
  submit: () => void;
  /** Opens one match here, or in a new tab. */
  open: (item: FoundInquiry, options?: { newTab?: boolean }) => void;
  /** Back to an empty box with nothing shown. */
  clear: () => void;
  /** Hides what was found, keeping the text. */
  dismiss: () => void;
  /** For the combobox input: arrows move through several matches, Enter searches or opens, Ctrl/⌘+Enter opens in a new tab. */
  onKeyDown: (event: KeyboardEvent<HTMLElement>) => void;
  listboxId: string;
  optionId: (index: number) => string;
  /** Several matches are listed (the combobox is expanded). */
  listed: FoundInquiry[] | null;
}

/**
 * The state of one "search anywhere" box (the top bar's or the palette's): Enter asks `inquiries.find`; exactly
 * one match opens it at once, several are listed for the arrow keys, none says how the text was read.
 */
export function useInquiryFinder({ onOpened }: { onOpened?: () => void } = {}): InquiryFinder {
  const client = useTRPCClient();
  const navigate = useNavigate();
  const location = useLocation();
  const inquiriesHref = useHref('/inquiries');
  const [text, setTextState] = useState('');
  const [state, setState] = useState<FinderState>({ phase: 'idle' });
  const [activeIndex, setActiveIndex] = useState(-1);
  // Only the newest request may change what is shown.
  const latest = useRef(0);
  // Closed (the palette's Escape) while a search was on its way: its answer must not navigate any more.
  useEffect(
    () => () => {
      latest.current += 1;
    },
    [],
  );
  const baseId = useId();
  const listboxId = `${baseId}-matches`;
  const optionId = useCallback((index: number) => `${baseId}-match-${index}`, [baseId]);

  const reset = useCallback(() => {
    latest.current += 1;
    setState({ phase: 'idle' });
    setActiveIndex(-1);
  }, []);

  const clear = useCallback(() => {
    reset();
    setTextState('');
  }, [reset]);

  const open = useCallback(
    (item: FoundInquiry, options: { newTab?: boolean } = {}) => {
      if (options.newTab) {
        window.open(`${inquiriesHref}/${encodeURIComponent(item.id)}`, '_blank', 'noopener');
        return;
      }
      const from = `${location.pathname}${location.search}`;
      clear();
      onOpened?.();
      // Like a row of the list: the inquiry page's back link returns to the list view the agent was on.
      void navigate(`/inquiries/${encodeURIComponent(item.id)}`, from.startsWith('/inquiries') ? { state: { from } } : undefined);
    },
    [clear, inquiriesHref, location.pathname, location.search, navigate, onOpened],
  );

  const submit = useCallback(() => {
    const q = text.trim();
    if (!q) return;
    const request = ++latest.current;
    setState({ phase: 'loading', q });
    setActiveIndex(-1);
    client.inquiries.find.query({ q }).then(
      (result) => {
        if (request !== latest.current) return;
        const [only] = result.items;
        if (result.items.length === 1 && only && !result.more) {
          open(only);
          return;
        }
        setState({ phase: 'done', q, result });
        setActiveIndex(result.items.length > 1 ? 0 : -1);
      },
      (error: unknown) => {
        if (request !== latest.current) return;
        setState({ phase: 'error', q, error });
      },
    );
  }, [client, open, text]);

  const listed = state.phase === 'done' && state.result.items.length > 1 ? state.result.items : null;

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLElement>) => {
      if (event.nativeEvent.isComposing) return;
      if (listed && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActiveIndex((index) => (index < 0 ? 0 : Math.min(listed.length - 1, Math.max(0, index + step))));
        return;
      }
      if (event.key === 'Enter') {
        event.preventDefault();
        const active = listed?.[activeIndex];
        if (active) open(active, { newTab: event.ctrlKey || event.metaKey });
        else submit();
      }
    },
    [activeIndex, listed, open, submit],
  );

  const setText = useCallback(
    (next: string) => {
      setTextState(next);
      // What is shown answered the old text: hide it rather than let Enter open a match of something else.
      if (state.phase !== 'idle') reset();
    },
    [reset, state.phase],
  );

  return { text, setText, state, activeIndex, setActiveIndex, submit, open, clear, dismiss: reset, onKeyDown, listboxId, optionId, listed };
}
