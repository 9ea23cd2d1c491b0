/**
 * The one escaper for untrusted text (names and bytes read from files, repositories, lock files,
 * library diagnostics) before it is printed: C0 and C1 control characters (newlines, ANSI escapes,
 * NUL, DEL), line and paragraph separators and bidirectional overrides become `\uXXXX`, so a
 * message stays one line and cannot move the cursor, recolour the terminal or reorder what it
 * shows. Text longer than `max` characters is cut and ends in `…`.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
