import ClearIcon from '@mui/icons-material/Clear';
import SearchIcon from '@mui/icons-material/Search';
import IconButton from '@mui/material/IconButton';
import InputAdornment from '@mui/material/InputAdornment';
import TextField from '@mui/material/TextField';
import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';

/** Exactly an inquiry id: Enter opens it instead of searching. */
const EXACT_INQUIRY_ID = /^inq_[A-Za-z0-9]+$/;

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.getAttribute('role') === 'combobox';
}

export interface SearchBoxProps {
  /** The search currently applied (from the URL). */
  value: string;
  onSearch: (text: string) => void;
}

/**
 * One box for the three ways agents look an inquiry up: an inquiry id opens it straight away; a reference id
 * or an email filters the list (exact match). "/" focuses it from anywhere on the page.
 */
export function SearchBox({ value, onSearch }: SearchBoxProps) {
  const [text, setText] = useState(value);
  const inputRef = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  const location = useLocation();

  // Back/forward (or "Clear filters") changes the applied search: show it.
  useEffect(() => setText(value), [value]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      event.preventDefault();
      inputRef.current?.focus();
      inputRef.current?.select();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  const submit = () => {
    const term = text.trim();
    if (EXACT_INQUIRY_ID.test(term)) {
      // Like a row link: the detail page's back link returns to this list view.
      void navigate(`/inquiries/${term}`, { state: { from: `${location.pathname}${location.search}` } });
      return;
    }
    onSearch(term);
  };

  return (
    <form
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      style={{ flex: '1 1 320px', maxWidth: 520 }}
    >
      <TextField
        inputRef={inputRef}
        fullWidth
        size="small"
        label="Search inquiries"
        placeholder="Inquiry id, reference id or email — press / to focus"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && text) {
            event.preventDefault();
            setText('');
            if (value) onSearch('');
          }
        }}
        slotProps={{
          htmlInput: { 'aria-keyshortcuts': '/', autoComplete: 'off', spellCheck: false },
          input: {
            startAdornment: (
              <InputAdornment position="start">
                <SearchIcon fontSize="small" />
              </InputAdornment>
            ),
            endAdornment: text ? (
              <InputAdornment position="end">
                <IconButton
                  size="small"
                  aria-label="Clear search"
                  onClick={() => {
                    setText('');
                    if (value) onSearch('');
                    inputRef.current?.focus();
                  }}
                >
                  <ClearIcon fontSize="small" />
                </IconButton>
              </InputAdornment>
            ) : null,
          },
        }}
      />
    </form>
  );
}
