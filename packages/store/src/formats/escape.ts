/**
 * Escapes control characters (newlines, ANSI escapes, NUL, DEL) of text taken from a file, so an
 * error message quoting a header field or member name stays one harmless line.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
