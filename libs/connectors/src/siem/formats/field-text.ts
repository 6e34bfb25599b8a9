/**
 * Text hygiene shared by the line formats (CEF, LEEF): cutting a value to a length in characters
 * without splitting a surrogate pair, and making a string well-formed UTF-16 so that its UTF-8 bytes
 * are what the format says (a lone surrogate would become U+FFFD on the wire anyway; doing it here makes
 * the output the same on every transport and in the golden tests).
 */

/** `text` cut to at most `max` Unicode code points (never half a surrogate pair). */
export function truncateChars(text: string, max: number): string {
  // Code points never outnumber UTF-16 units: short strings need no walk.
  if (text.length <= max) return text;
  let units = 0;
  let points = 0;
  while (units < text.length && points < max) {
    const code = text.codePointAt(units)!;
    units += code > 0xffff ? 2 : 1;
    points++;
  }
  return text.slice(0, units);
}

/** Lone surrogates replaced by U+FFFD, as a UTF-8 encoder would. */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}
