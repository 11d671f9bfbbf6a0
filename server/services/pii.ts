/** Prefilled fields are PII: the console shows them masked unless a permitted person reveals them. */
const FIELD_LABELS: Record<string, string> = {
  'name-first': 'First name',
  'name-last': 'Last name',
  'email-address': 'Email',
  'phone-number': 'Phone',
  birthdate: 'Birthdate',
  'address-street-1': 'Street',
  'address-city': 'City',
  'address-postal-code': 'Postal code',
  'address-country-code': 'Country',
};

export function maskValue(name: string, value: string): string {
  if (value.length === 0) return '';
  if (name === 'email-address') {
    const at = value.indexOf('@');
    if (at > 0) return `${value[0]}•••@${value.slice(at + 1)}`;
  }
  if (name === 'address-country-code') return value; // a country is not identifying on its own
  if (name === 'birthdate') return `••••-••-${value.slice(-2).replace(/./g, '•')}`;
  if (name === 'phone-number') return `•••• ${value.slice(-2)}`;
  return value
    .split(/\s+/)
    .map((word) => (word.length <= 1 ? '•' : `${word[0]}${'•'.repeat(Math.min(word.length - 1, 6))}`))
    .join(' ');
}

/** The prefilled fields that have a value, in stored order, as text: PII in the clear (callers mask or audit). */
function prefilledText(fields: Record<string, unknown>): { name: string; label: string; text: string }[] {
  return Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([name, v]) => {
      const raw: unknown = typeof v === 'object' && v !== null && 'value' in v ? v.value : v;
      const text = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
      return { name, label: FIELD_LABELS[name] ?? name, text };
    });
}

export function maskFields(fields: Record<string, unknown>): { name: string; label: string; value: string }[] {
  return prefilledText(fields).map(({ name, label, text }) => ({ name, label, value: maskValue(name, text) }));
}

/**
 * The prefilled fields in the clear, in the order maskFields lists them: only for a reveal (services/pii-reveal.ts),
 * which is permitted, audited and answered to the one view that asked. `names`: only these (in stored order).
 */
export function revealFields(fields: Record<string, unknown>, names?: readonly string[]): { name: string; label: string; value: string }[] {
  return prefilledText(fields)
    .filter((f) => names === undefined || names.includes(f.name))
    .map(({ name, label, text }) => ({ name, label, value: text }));
}

/** The names of the prefilled fields that have a value (what a reveal may ask for). */
export function prefilledNames(fields: Record<string, unknown>): string[] {
  return prefilledText(fields).map((f) => f.name);
}
