import type { QuickView } from '@shared/inquiries.js';

/**
 * The quick views in words, for the list's view buttons, the overview's figures that lead to them and the
 * empty state's "view “Stuck”". One place, so the three say the same thing.
 */
export const QUICK_VIEW_TEXT: Readonly<Record<QuickView, { label: string; hint: string }>> = {
  stuck: {
    label: 'Stuck',
    hint: 'Pending, not expired, no live session: the end user cannot get back in alone',
  },
  expiring_24h: {
    label: 'Expiring in 24 h',
    hint: 'Open inquiries whose time runs out within 24 hours',
  },
  outdated: {
    label: 'Outdated version',
    // The overview's figure counts the open ones (created or pending); the view lists the expired ones too.
    hint: 'Open or expired inquiries pinned to an older template version (the overview counts the open ones)',
  },
  expired_resumable: {
    label: 'Expired – still resumable',
    hint: 'Expired and not replaced by a successor: resuming hands access back',
  },
};
