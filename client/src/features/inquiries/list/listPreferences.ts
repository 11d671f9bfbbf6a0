import { useCallback, useEffect, useState } from 'react';

/** How dense the rows are: the DataGrid's own three settings. */
export const DENSITIES = ['compact', 'standard', 'comfortable'] as const;
export type Density = (typeof DENSITIES)[number];

/** Which columns a person hides (`false`), and how dense they like the rows: kept in this browser, per person. */
export interface ListPreferences {
  hiddenColumns: Record<string, false>;
  density: Density;
}

export const DEFAULT_PREFERENCES: ListPreferences = { hiddenColumns: {}, density: 'standard' };

/** One key per signed-in person, so two people sharing a browser each keep their own view. */
export function preferencesKey(staffId: string): string {
  return `inquiry-desk:inquiry-list:v1:${staffId}`;
}

/** What was stored, or the defaults for anything missing or unreadable (an old version, a hand-edited value). */
export function parsePreferences(raw: string | null): ListPreferences {
  if (!raw) return DEFAULT_PREFERENCES;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return DEFAULT_PREFERENCES;
  }
  if (typeof value !== 'object' || value === null) return DEFAULT_PREFERENCES;
  const stored = value as { hiddenColumns?: unknown; density?: unknown };
  const hiddenColumns: Record<string, false> = {};
  if (typeof stored.hiddenColumns === 'object' && stored.hiddenColumns !== null) {
    for (const [field, visible] of Object.entries(stored.hiddenColumns)) if (visible === false) hiddenColumns[field] = false;
  }
  const density = DENSITIES.find((d) => d === stored.density) ?? DEFAULT_PREFERENCES.density;
  return { hiddenColumns, density };
}

function read(staffId: string | null): ListPreferences {
  if (!staffId) return DEFAULT_PREFERENCES;
  try {
    return parsePreferences(window.localStorage.getItem(preferencesKey(staffId)));
  } catch {
    return DEFAULT_PREFERENCES; // storage disabled: the defaults, every time
  }
}

/**
 * The list's column choice and density for the signed-in person (`staffId`, null while unknown): restored when the
 * person is known, saved on every change. Only hidden columns are stored, so a column added later shows by default.
 */
export function useListPreferences(staffId: string | null) {
  const [state, setState] = useState(() => ({ staffId, preferences: read(staffId) }));
  // Someone else signed in (or "me" arrived): their own preferences, not the previous person's.
  const current = state.staffId === staffId ? state.preferences : read(staffId);
  useEffect(() => {
    if (state.staffId !== staffId) setState({ staffId, preferences: read(staffId) });
  }, [staffId, state.staffId]);

  const update = useCallback(
    (change: Partial<ListPreferences>) => {
      setState((previous) => {
        const base = previous.staffId === staffId ? previous.preferences : read(staffId);
        const next = { ...base, ...change };
        if (staffId) {
          try {
            window.localStorage.setItem(preferencesKey(staffId), JSON.stringify(next));
          } catch {
            // Full or disabled storage: the choice holds until the page is left.
          }
        }
        return { staffId, preferences: next };
      });
    },
    [staffId],
  );

  return [current, update] as const;
}

/** The hidden columns of a DataGrid visibility model (a column shown again, `true`, is simply not stored). */
export function toHiddenColumns(model: Record<string, boolean>): Record<string, false> {
  const hidden: Record<string, false> = {};
  for (const [field, visible] of Object.entries(model)) if (!visible) hidden[field] = false;
  return hidden;
}
