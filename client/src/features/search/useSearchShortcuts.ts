import { useEffect } from 'react';

const NOT_TYPING_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);

/** Focus is where "/" types a character: a text field, a select, something editable. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target instanceof HTMLInputElement) return !NOT_TYPING_INPUTS.has(target.type);
  const role = target.getAttribute('role');
  return role === 'combobox' || role === 'textbox' || role === 'searchbox';
}

/** Another modal (an action dialog, a menu) has the focus: it keeps the keyboard. */
function insideModal(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('[role="dialog"], [aria-modal="true"], [role="menu"]') !== null;
}

/**
 * Ctrl+K / ⌘+K anywhere, and "/" when the focus is not in a text field, call `openPalette`. Listening on window,
 * after everything else: a page that gives "/" its own meaning (the inquiry list focuses its search box) and
 * prevents the default keeps it.
 */
export function useSearchShortcuts(openPalette: () => void): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing || event.altKey) return;
      const paletteKey = (event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 'k';
      const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !isTypingTarget(event.target);
      if (!paletteKey && !slash) return;
      if (insideModal(event.target)) return;
      event.preventDefault();
      openPalette();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [openPalette]);
}
