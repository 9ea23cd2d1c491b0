// Also bidirectional overrides and line separators: they reorder or break what a terminal shows.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Untrusted text (names read from files or repositories) made safe to print on one line: control
 * characters, ANSI escapes, newlines and bidi overrides become \u escapes; long text is cut.
 */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

