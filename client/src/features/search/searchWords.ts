import type { FindInquiriesOutput } from '@shared/inquiry-find.js';

type Kind = FindInquiriesOutput['kind'];

/** How the server read the text, as the "no match" message says it. */
export const KIND_WORDS: Record<Kind, string> = {
  inquiryId: 'an inquiry id',
  url: 'a hosted-flow link',
  oneTimeLink: 'a one-time link',
  email: 'an email address (exact, any case)',
  referenceId: 'a reference id (exact)',
};

/**
 * "No inquiry matches “ada@example.com” (searched as an email address …)." A one-time link's code is never shown;
 * a link that carries nothing to search by says so.
 */
export function noMatchMessage(result: Pick<FindInquiriesOutput, 'kind' | 'term'>): string {
  if (result.kind === 'oneTimeLink') return `No inquiry has this one-time link (searched as ${KIND_WORDS.oneTimeLink}; its code is not shown).`;
  if (result.term === null) return 'This link carries no inquiry id, reference id or one-time code to search by.';
  return `No inquiry matches “${result.term}” (searched as ${KIND_WORDS[result.kind]}).`;
}

/** The inquiry list searching the same term (reference ids and emails; inquiry ids open their page). */
export function listSearchHref(term: string | null): string {
  return term ? `/inquiries?q=${encodeURIComponent(term)}` : '/inquiries';
}

/** The shortcut as this platform writes it. */
export function paletteShortcutLabel(): string {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘K' : 'Ctrl+K';
}
