/**
 * Control characters no console input has a use for: C0 except tab, line feed and carriage return, DEL, and C1.
 * PostgreSQL refuses NUL in text outright (a 500 before this check); the rest hide in logs and exports.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

/**
 * Any control character at all (C0 including tab and line breaks, DEL, C1): none belongs in one line of text — an
 * id, a reference, a name, a search, a prefilled value. The one rule for such fields, server and client alike.
 */
export const ONE_LINE_CONTROL = /\p{Cc}/u;

/** One line of printable text: no control character (ONE_LINE_CONTROL). */
export const isOneLineText = (text: string): boolean => !ONE_LINE_CONTROL.test(text);

export interface ControlCharacterFinding {
  /** Where in the input, as a dotted path ("search", "fields.name"); "input" for the input itself. */
  path: string;
  /** The character, as U+XXXX. */
  codePoint: string;
}

/**
 * The first string (or object key) in `input` that carries a control character, walking at most `maxNodes`
 * values without recursion (a deeply nested input cannot exhaust the stack here).
 */
export function findControlCharacter(input: unknown, maxNodes = 100_000): ControlCharacterFinding | null {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: input, path: [] }];
  let visited = 0;
  const found = (text: string, path: string[]): ControlCharacterFinding | null => {
    const match = CONTROL.exec(text);
    if (!match) return null;
    const code = match[0].codePointAt(0) ?? 0;
    return { path: path.length > 0 ? path.join('.') : 'input', codePoint: `U+${code.toString(16).toUpperCase().padStart(4, '0')}` };
  };
  while (stack.length > 0 && visited++ < maxNodes) {
    const { value, path } = stack.pop() as { value: unknown; path: string[] };
    if (typeof value === 'string') {
      const hit = found(value, path);
      if (hit) return hit;
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: [...path, String(index)] }));
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const hit = found(key, [...path, key.replace(CONTROL, '?')]);
        if (hit) return hit;
        stack.push({ value: item, path: [...path, key] });
      }
    }
  }
  return null;
}
