import SearchIcon from '@mui/icons-material/Search';
import InputBase from '@mui/material/InputBase';
import type { KeyboardEvent, ReactNode, Ref } from 'react';
import type { InquiryFinder } from './useInquiryFinder';

export interface FinderInputProps {
  finder: InquiryFinder;
  /** The accessible name; the placeholder says what it accepts. */
  label: string;
  placeholder: string;
  autoFocus?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  /** Escape, before the finder's own keys (the top bar hides its list; the palette leaves it to the dialog). */
  onEscape?: (event: KeyboardEvent<HTMLElement>) => void;
  onFocus?: () => void;
  endAdornment?: ReactNode;
  /** Id of a hint the input is described by. */
  describedBy?: string;
  /** 'bar': a compact field on the app bar; 'dialog': a large one at the top of the palette. */
  look: 'bar' | 'dialog';
}

/** The combobox both search boxes share: its listbox is the finder's list of several matches. */
export function FinderInput({ finder, label, placeholder, autoFocus, inputRef, onEscape, onFocus, endAdornment, describedBy, look }: FinderInputProps) {
  const { listed, activeIndex } = finder;
  return (
    <InputBase
      fullWidth
      autoFocus={autoFocus}
      inputRef={inputRef}
      value={finder.text}
      placeholder={placeholder}
      onChange={(event) => finder.setText(event.target.value)}
      onFocus={onFocus}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && onEscape) {
          onEscape(event);
          return;
        }
        finder.onKeyDown(event);
      }}
      startAdornment={<SearchIcon fontSize="small" aria-hidden sx={{ color: 'text.secondary', mr: 1, flexShrink: 0 }} />}
      endAdornment={endAdornment}
      inputProps={{
        role: 'combobox',
        'aria-label': label,
        'aria-expanded': listed ? true : false,
        'aria-controls': listed ? finder.listboxId : undefined,
        'aria-activedescendant': listed && activeIndex >= 0 ? finder.optionId(activeIndex) : undefined,
        'aria-autocomplete': 'list',
        'aria-describedby': describedBy,
        autoComplete: 'off',
        autoCapitalize: 'off',
        spellCheck: false,
        enterKeyHint: 'search',
      }}
      sx={
        look === 'bar'
          ? {
              px: 1.5,
              height: 38,
              borderRadius: 1,
              border: 1,
              borderColor: 'divider',
              bgcolor: 'action.hover',
              fontSize: '0.9rem',
              '&.Mui-focused': { borderColor: 'primary.main', bgcolor: 'background.paper', outline: 2, outlineColor: 'primary.main', outlineOffset: -1 },
            }
          : {
              px: 1.5,
              height: 48,
              borderRadius: 1,
              border: 1,
              borderColor: 'divider',
              fontSize: '1.05rem',
              '&.Mui-focused': { borderColor: 'primary.main', outline: 2, outlineColor: 'primary.main', outlineOffset: -1 },
            }
      }
    />
  );
}
