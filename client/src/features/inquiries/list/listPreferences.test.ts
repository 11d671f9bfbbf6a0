import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, parsePreferences, preferencesKey, toHiddenColumns } from './listPreferences';

describe('list preferences', () => {
  it('are keyed by the person', () => {
    expect(preferencesKey('stf_A')).not.toBe(preferencesKey('stf_B'));
  });

  it('read back what was stored, keeping only hidden columns and a known density', () => {
    expect(parsePreferences(JSON.stringify({ hiddenColumns: { emailMasked: false, status: true, x: 'no' }, density: 'compact' }))).toEqual({
      hiddenColumns: { emailMasked: false },
      density: 'compact',
    });
  });

  it('fall back to the defaults for anything unreadable', () => {
    for (const raw of [null, '', 'not json', '42', 'null', JSON.stringify({ hiddenColumns: 'all', density: 'tiny' })]) {
      expect(parsePreferences(raw)).toEqual(DEFAULT_PREFERENCES);
    }
  });

  it('store a column shown again as not hidden at all', () => {
    expect(toHiddenColumns({ emailMasked: true, referenceId: false })).toEqual({ referenceId: false });
  });
});
