/**
 * Hostile strings are kept, not dropped (an attack's odd paths are exactly what detection must see),
 * but made safe: control characters and lone UTF-16 surrogates (a JSON `\ud800` escape with no pair)
 * become U+FFFD, lengths are capped, and the event says so. Well-formed strings are what every later
 * step can rely on: UTF-8 on the wire (Avro, Kafka, Redis keys and values) would fold a lone surrogate
 * into U+FFFD anyway, so a replay from a file and the live path could otherwise disagree on an id.
 */
import type { SanitizeNote } from '../access-event';

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators that break log viewers.
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const CONTROL_TEST_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function cleanString(
  value: string,
  maxChars: number,
  notes: SanitizeNote[],
  truncatedNote: SanitizeNote,
): string {
  let s = value;
  if (s.length > maxChars) {
    s = s.slice(0, maxChars);
    // Do not leave half a surrogate pair.
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) s = s.slice(0, -1);
    pushOnce(notes, truncatedNote);
  }
  if (!s.isWellFormed()) {
    s = s.toWellFormed();
    pushOnce(notes, 'invalid_utf8');
  }
  if (CONTROL_TEST_RE.test(s)) {
    s = s.replace(CONTROL_RE, '\uFFFD');
    pushOnce(notes, 'control_chars');
  } else if (s.includes('\uFFFD')) {
    // The line reader decodes invalid UTF-8 with U+FFFD replacements; the event says so.
    pushOnce(notes, 'invalid_utf8');
  }
  return s;
}

export function cleanOptional(
  value: string | null,
  maxChars: number,
  notes: SanitizeNote[],
  truncatedNote: SanitizeNote = 'field_truncated',
): string | null {
  return value === null ? null : cleanString(value, maxChars, notes, truncatedNote);
}

export function pushOnce(notes: SanitizeNote[], note: SanitizeNote): void {
  if (!notes.includes(note)) notes.push(note);
}
