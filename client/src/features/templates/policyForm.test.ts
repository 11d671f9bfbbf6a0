import { describe, expect, it } from 'vitest';
import { checkPolicyForm, comparePolicies, initialFormState, policyValuesOf, toDurationInput } from './policyForm';

describe('policy form', () => {
  it('writes minutes in the largest whole unit, and reads them back', () => {
    expect(toDurationInput(1440, 0)).toEqual({ amount: '1', unit: 'days', inherit: false });
    expect(toDurationInput(90, 0)).toEqual({ amount: '90', unit: 'minutes', inherit: false });
    expect(toDurationInput(null, 120)).toEqual({ amount: '2', unit: 'hours', inherit: true });
    const values = policyValuesOf(null);
    expect(checkPolicyForm(initialFormState(values)).values).toEqual(values);
  });

  it('accepts fractions that make whole minutes, and refuses the rest with the bounds in words', () => {
    const form = initialFormState(policyValuesOf(null));
    const withCreate = (amount: string, unit: 'minutes' | 'hours' | 'days') => checkPolicyForm({ ...form, afterCreateMinutes: { amount, unit, inherit: false } });
    expect(withCreate('1.5', 'hours').values?.afterCreateMinutes).toBe(90);
    expect(withCreate('9', 'minutes').fields.afterCreateMinutes.problem).toBe('At least 10 min.');
    expect(withCreate('30', 'days').values?.afterCreateMinutes).toBe(43200);
    expect(withCreate('30.1', 'days').fields.afterCreateMinutes.problem).toBe('At most 30 d.');
    expect(withCreate('', 'days').fields.afterCreateMinutes.problem).toBe('Enter a duration.');
    expect(withCreate('15', 'days').fields.afterCreateMinutes.warning).toBeNull();
    expect(withCreate('16', 'days').fields.afterCreateMinutes.warning).toMatch(/Persona recommends/);
    // The caps have their own bounds, and no vendor warning.
    const cap = checkPolicyForm({ ...form, resumeCooldownMinutes: { amount: '2', unit: 'days', inherit: false } });
    expect(cap.fields.resumeCooldownMinutes.problem).toBe('At most 24 h.');
  });

  it('compares two policies field by field', () => {
    const before = policyValuesOf(null);
    const rows = comparePolicies(before, { ...before, afterStartMinutes: 60, tokenLinkMaxMinutes: 120 });
    expect(rows.filter((r) => r.changed).map((r) => [r.label, r.before, r.after])).toEqual([
      ['After start', 'same as creation', '1 h'],
      ['Longest token link', 'server default', '2 h'],
    ]);
    expect(comparePolicies(null, before).some((r) => r.changed)).toBe(false);
  });
});
