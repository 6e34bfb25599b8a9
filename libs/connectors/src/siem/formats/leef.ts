/**
 * IBM QRadar Log Event Extended Format, version 2.0 (IBM "Log Event Extended Format (LEEF)" guide,
 * version 2, "LEEF event components"):
 *
 *   LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|key=value<delimiter>key=value…
 *
 * What the guide fixes, and what it leaves open:
 *  - the attribute delimiter is declared in the header, as one character or as its hex code prefixed
 *    with `x` or `0x` (tab when the field is empty, as in LEEF 1.0). We write printable punctuation as
 *    itself (`^`) and anything else in hex (`x09` for tab), so the header itself never holds a control
 *    character;
 *  - the guide defines no escape sequence: its best-practice list says to keep tab, pipe and caret out of
 *    keys and values. Keys are ours (the predefined `devTimeFormat`, `devTime`, `sev`, `cat`, `src`,
 *    `usrName`, `msg` and alphanumeric custom keys), so only values carry data. A value must never
 *    contain the delimiter or a line break, or the receiver would split it; we use the backslash
 *    convention CEF specifies and LEEF parsers such as rsyslog's mmleefparse decode: `\` → `\\`, the
 *    delimiter → `\` + delimiter, CR/LF/tab → `\r` `\n` `\t`, other control characters → space. `=` and
 *    `|` stay as they are in values (a pair is split at its first `=`; the header ends at the delimiter
 *    field);
 *  - header fields are pipe-separated with no escape defined either: `\` → `\\` and `|` → `\|` (again the
 *    CEF convention, which mmleefparse decodes), control characters → space.
 * The guide sets no lengths for custom attributes; values are cut at `maxValueChars` (default 4000, as
 * CEF's custom strings) and the EventID at 255 characters, so that one hostile value cannot crowd the
 * rest of an event out of a receiver's payload limit.
 */
import { isIP } from 'node:net';
import type { SiemAlert, SiemProduct, SiemSeverity } from '../siem-alert';
import { alertMessage, reasonsText } from './alert-text';
import { truncateChars, wellFormed } from './field-text';

/** QRadar's `sev`: 1 (lowest) to 10. */
export const LEEF_SEVERITY: Readonly<Record<SiemSeverity, number>> = { low: 3, medium: 5, high: 8, critical: 10 };

export const DEFAULT_LEEF_DELIMITER = '\t';
export const LEEF_DEV_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";
export const DEFAULT_LEEF_MAX_VALUE_CHARS = 4000;
const MAX_HEADER_CHARS = 255;

export interface LeefOptions {
  /** One character; not alphanumeric, not `=`, `|`, `\`, space, CR or LF. Default tab. */
  readonly delimiter?: string;
  readonly maxValueChars?: number;
}

/** Why `delimiter` cannot separate LEEF attributes, or null when it can. */
export function leefDelimiterProblem(delimiter: string): string | null {
  if ([...delimiter].length !== 1) return 'the LEEF delimiter is exactly one character';
  if (/[A-Za-z0-9=|\\ \r\n]/.test(delimiter))
    return 'the LEEF delimiter cannot be a letter, a digit, `=`, `|`, `\\`, a space or a line break';
  return null;
}

/** The header's DelimiterCharacter field: printable ASCII punctuation as itself, anything else as `xHH…`. */
export function leefDelimiterField(delimiter: string): string {
  return /^[\x21-\x7e]$/.test(delimiter) ? delimiter : `x${delimiter.codePointAt(0)!.toString(16).padStart(2, '0')}`;
}

const HEADER_SPECIALS = /[\\|\u0000-\u001f\u007f]/g;

export function escapeLeefHeader(value: string, maxChars: number = MAX_HEADER_CHARS): string {
  return wellFormed(truncateChars(value, maxChars)).replace(HEADER_SPECIALS, (c) =>
    c === '\\' ? '\\\\' : c === '|' ? '\\|' : ' ',
  );
}

export function escapeLeefValue(value: string, delimiter: string, maxChars: number): string {
  let out = '';
  for (const c of wellFormed(truncateChars(value, maxChars))) {
    if (c === '\\') out += '\\\\';
    else if (c === '\r') out += '\\r';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === delimiter) out += `\\${c}`;
    else if (c <= '\u001f' || c === '\u007f') out += ' ';
    else out += c;
  }
  return out;
}

/** One alert as one LEEF 2.0 line (no syslog header, no line terminator). */
export function formatLeef(alert: SiemAlert, product: SiemProduct, options: LeefOptions = {}): string {
  const delimiter = options.delimiter ?? DEFAULT_LEEF_DELIMITER;
  const problem = leefDelimiterProblem(delimiter);
  if (problem) throw new Error(problem);
  const max = options.maxValueChars ?? DEFAULT_LEEF_MAX_VALUE_CHARS;
  const v = (text: string) => escapeLeefValue(text, delimiter, max);
  const header = [
    'LEEF:2.0',
    escapeLeefHeader(product.vendor),
    escapeLeefHeader(product.product),
    escapeLeefHeader(product.version),
    escapeLeefHeader(alert.detector),
    leefDelimiterField(delimiter),
  ].join('|');
  const attrs: [string, string][] = [
    // The guide's own way to say how devTime reads (a Java SimpleDateFormat): UTC, milliseconds.
    ['devTimeFormat', LEEF_DEV_TIME_FORMAT],
    ['devTime', new Date(alert.ts).toISOString().replace('Z', '+0000')],
    ['sev', String(LEEF_SEVERITY[alert.severity])],
    ['cat', v(alert.detector)],
  ];
  const { type, value } = alert.entity;
  if (type === 'ip' && isIP(value)) attrs.push(['src', value]);
  else if (type === 'principal') attrs.push(['usrName', v(value)]);
  attrs.push(
    ['msg', v(alertMessage(alert))],
    ['vigilAlertId', v(alert.id)],
    ['vigilEntityType', v(type)],
    ['vigilEntityValue', v(value)],
    ['vigilScore', String(alert.score)],
    ['vigilReasons', v(reasonsText(alert))],
    ['vigilDecisionIds', v(alert.decisionIds.join(','))],
  );
  return `${header}|${attrs.map(([k, val]) => `${k}=${val}`).join(delimiter)}`;
}
