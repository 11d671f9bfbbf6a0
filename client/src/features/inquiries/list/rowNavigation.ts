/**
 * Opening an inquiry from its row. The id cell is a real link, so the browser's own gestures on it (middle click,
 * Ctrl/⌘-click, "open in new tab") work as on any link; these rules cover the rest of the row.
 */

/** Controls inside a row that do their own thing when clicked: the id link, the row menu's button, an input. */
const CONTROLS = 'a, button, input, select, textarea, [role="button"], [role="menuitem"], [role="menu"], [role="checkbox"]';

interface RowEvent {
  target: EventTarget | null;
  currentTarget: EventTarget | null;
  button: number;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Where a click on a row should open the inquiry: here, in a new tab, or not at all (the click was for something else). */
export type RowIntent = 'here' | 'new-tab' | null;

function isControl(target: EventTarget | null, row: EventTarget | null): boolean {
  if (!(target instanceof Element)) return true;
  // A click inside a menu or dialog opened from the row reaches the row through React's tree, not the DOM's.
  if (row instanceof Element && !row.contains(target)) return true;
  const control = target.closest(CONTROLS);
  return control !== null && (!(row instanceof Element) || row.contains(control));
}

/** True while the person is selecting text (to copy a reference id, say): the click that ends it opens nothing. */
function isSelectingText(): boolean {
  const selection = typeof window === 'undefined' ? null : window.getSelection();
  return selection !== null && !selection.isCollapsed && selection.toString().trim().length > 0;
}

/** A click (`click` or `auxclick`) on a row. */
export function rowClickIntent(event: RowEvent): RowIntent {
  if (isControl(event.target, event.currentTarget) || isSelectingText()) return null;
  if (event.button === 1) return 'new-tab'; // middle click
  if (event.button !== 0) return null;
  if (event.ctrlKey || event.metaKey || event.shiftKey) return 'new-tab';
  if (event.altKey) return null;
  return 'here';
}

/** Enter on a focused row (not on a control in it, which Enter already activates). */
export function rowKeyIntent(event: Omit<RowEvent, 'button'> & { key: string }): RowIntent {
  if (event.key !== 'Enter' || event.altKey || event.shiftKey) return null;
  if (isControl(event.target, event.currentTarget)) return null;
  return event.ctrlKey || event.metaKey ? 'new-tab' : 'here';
}

export function openInNewTab(href: string): void {
  window.open(href, '_blank', 'noopener');
}
