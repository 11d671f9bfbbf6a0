import { DEFAULT_POLICY } from '@shared/lifecycle.js';
import { POLICY_MAX_MINUTES, POLICY_MIN_MINUTES, VENDOR_RECOMMENDED_MAX_MINUTES, type PolicyFields, type PolicyRevision } from '@shared/templates.js';
import { formatMinutes } from '../../lib/time';

/**
 * The policy editor's form: six durations typed as a number and a unit, checked in the words the fields show.
 * The server checks again (shared/templates.ts PolicyFieldsSchema); these are its bounds.
 */

export const UNITS = ['minutes', 'hours', 'days'] as const;
export type Unit = (typeof UNITS)[number];
export const UNIT_MINUTES: Record<Unit, number> = { minutes: 1, hours: 60, days: 24 * 60 };

export type PolicyFieldKey = keyof PolicyFields;

interface Bounds {
  min: number;
  max: number;
  /** Above this the field warns (Persona's recommendation), without refusing. */
  warnAbove: number | null;
}

const INTERVAL: Bounds = { min: POLICY_MIN_MINUTES, max: POLICY_MAX_MINUTES, warnAbove: VENDOR_RECOMMENDED_MAX_MINUTES };

export interface PolicyFieldSpec {
  key: PolicyFieldKey;
  label: string;
  help: string;
  bounds: Bounds;
  /** The field may be left to something else (null on the wire): what the checkbox says, and what the value reads as. */
  inherit: { label: string; reads: string } | null;
}

const SPECS: Record<PolicyFieldKey, PolicyFieldSpec> = {
  afterCreateMinutes: { key: 'afterCreateMinutes', label: 'After creation', help: 'An inquiry not started within this expires.', bounds: INTERVAL, inherit: null },
  afterStartMinutes: {
    key: 'afterStartMinutes',
    label: 'After start',
    help: 'Once the end user starts, they have this long to finish.',
    bounds: INTERVAL,
    inherit: { label: 'Same as after creation', reads: 'same as creation' },
  },
  afterResumeMinutes: {
    key: 'afterResumeMinutes',
    label: 'After resume',
    help: 'A resumed inquiry (support or partner API) runs this long again.',
    bounds: INTERVAL,
    inherit: null,
  },
  oneTimeLinkMinutes: {
    key: 'oneTimeLinkMinutes',
    label: 'One-time link',
    help: 'How long a one-time link stays usable (never past the expiry).',
    bounds: INTERVAL,
    inherit: null,
  },
  tokenLinkMaxMinutes: {
    key: 'tokenLinkMaxMinutes',
    label: 'Longest token link',
    help: 'The longest a link with the session token appended may last for this template.',
    bounds: { min: 5, max: POLICY_MAX_MINUTES, warnAbove: null },
    inherit: { label: 'Server default', reads: 'server default' },
  },
  resumeCooldownMinutes: {
    key: 'resumeCooldownMinutes',
    label: 'Resume cooldown',
    help: 'The window in which resumes of one inquiry are counted against the cooldown.',
    bounds: { min: 1, max: 24 * 60, warnAbove: null },
    inherit: { label: 'Server default', reads: 'server default' },
  },
};

/** The same thing for every field, as a record (typed field by field, no casts). */
function mapFields<T>(f: (spec: PolicyFieldSpec) => T): Record<PolicyFieldKey, T> {
  return {
    afterCreateMinutes: f(SPECS.afterCreateMinutes),
    afterStartMinutes: f(SPECS.afterStartMinutes),
    afterResumeMinutes: f(SPECS.afterResumeMinutes),
    oneTimeLinkMinutes: f(SPECS.oneTimeLinkMinutes),
    tokenLinkMaxMinutes: f(SPECS.tokenLinkMaxMinutes),
    resumeCooldownMinutes: f(SPECS.resumeCooldownMinutes),
  };
}

export const INTERVAL_FIELDS: readonly PolicyFieldSpec[] = [SPECS.afterCreateMinutes, SPECS.afterStartMinutes, SPECS.afterResumeMinutes, SPECS.oneTimeLinkMinutes];

export const CAP_FIELDS: readonly PolicyFieldSpec[] = [SPECS.tokenLinkMaxMinutes, SPECS.resumeCooldownMinutes];

export const POLICY_FIELDS: readonly PolicyFieldSpec[] = [...INTERVAL_FIELDS, ...CAP_FIELDS];

export interface DurationInput {
  amount: string;
  unit: Unit;
  /** Left to the inherited value (after start: same as creation; caps: the server default). */
  inherit: boolean;
}

export type PolicyFormState = Record<PolicyFieldKey, DurationInput>;

/** The largest unit that writes the minutes as a whole number: 1440 → 1 days, 90 → 90 minutes. */
export function toDurationInput(minutes: number | null, fallback: number): DurationInput {
  const value = minutes ?? fallback;
  const unit: Unit = value % UNIT_MINUTES.days === 0 ? 'days' : value % UNIT_MINUTES.hours === 0 ? 'hours' : 'minutes';
  return { amount: String(value / UNIT_MINUTES[unit]), unit, inherit: minutes === null };
}

/** The values the form starts from: the revision in force, or the defaults when the template has none. */
export function policyValuesOf(revision: PolicyRevision | null): PolicyFields {
  return {
    afterCreateMinutes: revision?.afterCreateMinutes ?? DEFAULT_POLICY.afterCreateMinutes,
    afterStartMinutes: revision ? revision.afterStartMinutes : DEFAULT_POLICY.afterStartMinutes,
    afterResumeMinutes: revision?.afterResumeMinutes ?? DEFAULT_POLICY.afterResumeMinutes,
    oneTimeLinkMinutes: revision?.oneTimeLinkMinutes ?? DEFAULT_POLICY.oneTimeLinkMinutes,
    tokenLinkMaxMinutes: revision?.tokenLinkMaxMinutes ?? null,
    resumeCooldownMinutes: revision?.resumeCooldownMinutes ?? null,
  };
}

/** What an unchecked "inherit" box starts from: after start from after creation, the caps from a typical value. */
const INHERIT_FALLBACK: Record<PolicyFieldKey, number> = {
  afterCreateMinutes: DEFAULT_POLICY.afterCreateMinutes,
  afterStartMinutes: DEFAULT_POLICY.afterCreateMinutes,
  afterResumeMinutes: DEFAULT_POLICY.afterResumeMinutes,
  oneTimeLinkMinutes: DEFAULT_POLICY.oneTimeLinkMinutes,
  tokenLinkMaxMinutes: 24 * 60,
  resumeCooldownMinutes: 10,
};

export function initialFormState(values: PolicyFields): PolicyFormState {
  return mapFields(({ key }) => toDurationInput(values[key] ?? null, key === 'afterStartMinutes' ? values.afterCreateMinutes : INHERIT_FALLBACK[key]));
}

export type FieldCheck = { minutes: number | null; problem: null; warning: string | null } | { minutes: null; problem: string; warning: null };

/** One field as typed: its minutes (null when inherited), or what is wrong with it. */
export function checkDuration(input: DurationInput, spec: PolicyFieldSpec): FieldCheck {
  if (input.inherit && spec.inherit) return { minutes: null, problem: null, warning: null };
  const text = input.amount.trim();
  if (text === '') return { minutes: null, problem: 'Enter a duration.', warning: null };
  const amount = Number(text);
  if (!Number.isFinite(amount)) return { minutes: null, problem: 'Enter a number.', warning: null };
  const minutes = amount * UNIT_MINUTES[input.unit];
  // 1.5 hours is 90 minutes; 0.3 hours is not a whole number of minutes.
  const rounded = Math.round(minutes);
  if (Math.abs(minutes - rounded) > 1e-9) return { minutes: null, problem: 'Whole minutes only (1.5 hours is 90 minutes).', warning: null };
  const { min, max, warnAbove } = spec.bounds;
  if (rounded < min) return { minutes: null, problem: `At least ${formatMinutes(min)}.`, warning: null };
  if (rounded > max) return { minutes: null, problem: `At most ${formatMinutes(max)}.`, warning: null };
  const warning =
    warnAbove !== null && rounded > warnAbove
      ? `Longer than the ${formatMinutes(warnAbove)} Persona recommends: end users may go through outdated flows.`
      : null;
  return { minutes: rounded, problem: null, warning };
}

export interface PolicyFormCheck {
  fields: Record<PolicyFieldKey, FieldCheck>;
  /** The values to send, or null while a field is wrong. */
  values: PolicyFields | null;
}

export function checkPolicyForm(state: PolicyFormState): PolicyFormCheck {
  const fields = mapFields((spec) => checkDuration(state[spec.key], spec));
  const invalid = POLICY_FIELDS.some((spec) => fields[spec.key].problem !== null);
  if (invalid) return { fields, values: null };
  const required = (key: 'afterCreateMinutes' | 'afterResumeMinutes' | 'oneTimeLinkMinutes') => fields[key].minutes ?? INHERIT_FALLBACK[key];
  return {
    fields,
    values: {
      afterCreateMinutes: required('afterCreateMinutes'),
      afterStartMinutes: fields.afterStartMinutes.minutes,
      afterResumeMinutes: required('afterResumeMinutes'),
      oneTimeLinkMinutes: required('oneTimeLinkMinutes'),
      tokenLinkMaxMinutes: fields.tokenLinkMaxMinutes.minutes,
      resumeCooldownMinutes: fields.resumeCooldownMinutes.minutes,
    },
  };
}

/** Whether two policies say the same (null and absent caps alike: the server default). */
export function samePolicy(a: PolicyFields, b: PolicyFields): boolean {
  return POLICY_FIELDS.every((spec) => (a[spec.key] ?? null) === (b[spec.key] ?? null));
}

/** A field's value as a manager reads it: "24 h", "same as creation", "server default". */
export function readField(spec: PolicyFieldSpec, minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return spec.inherit?.reads ?? '—';
  return formatMinutes(minutes);
}

export interface FieldChange {
  key: PolicyFieldKey;
  label: string;
  before: string;
  after: string;
  changed: boolean;
}

/** Every field side by side, before and after; `before` null (a first revision) reads as "—" and counts as no change. */
export function comparePolicies(before: PolicyFields | null, after: PolicyFields): FieldChange[] {
  return POLICY_FIELDS.map((spec) => {
    const was = before ? readField(spec, before[spec.key]) : '—';
    const now = readField(spec, after[spec.key]);
    return { key: spec.key, label: spec.label, before: was, after: now, changed: before !== null && (before[spec.key] ?? null) !== (after[spec.key] ?? null) };
  });
}

/** The cut-off of each histogram: after creation, and after start (null: the same as after creation). */
export function cutoffsOf(values: Pick<PolicyFields, 'afterCreateMinutes' | 'afterStartMinutes'>): { creation: number; start: number } {
  return { creation: values.afterCreateMinutes, start: values.afterStartMinutes ?? values.afterCreateMinutes };
}
