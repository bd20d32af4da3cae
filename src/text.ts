/**
 * Untrusted text made safe for a terminal. Build output, metadata, file and
 * project names and error texts come from upstream; printed raw, their
 * control characters could write the clipboard (OSC 52), set the window
 * title, erase a line and print a fake "published" one, or reorder text with
 * bidi overrides. Everything pkg2os prints goes through these functions;
 * logs on disk keep the bytes.
 */

/** C0 controls but newline and tab, DEL, C1 controls, and the invisible format characters that reorder or hide text. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\r': '\\r', '\u001b': '\\e', '\u0007': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\u0000': '\\0' };

/** The text with every unsafe character written as a visible escape (\\e, \\r, \\x7f, \\u202e); newlines and tabs stay. */
export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** JSON for a terminal: what JSON.stringify leaves raw (C1 controls, bidi and other format characters) escaped as \\uXXXX too. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
