/**
 * ArcSight Common Event Format, version 0 (Micro Focus "Implementing ArcSight CEF", revision 25):
 *
 *   CEF:0|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension
 *
 * Escaping, from the specification's "Character encoding" rules:
 *  - header fields: a pipe `|` and a backslash `\` are escaped with a backslash (`\|`, `\\`); the header
 *    is single-line, so a line break (or any other control character) becomes a space;
 *  - extension values: a backslash and an equal sign are escaped (`\\`, `\=`), a pipe is NOT (the spec says
 *    pipes in the extension need no escaping), and multi-line values encode CR and LF as `\r` and `\n`;
 *    other control characters become a space;
 *  - keys are the dictionary's own (`rt`, `externalId`, `cs1`, …), never data, so they need no escaping.
 * Lengths are the dictionary's, in characters, cut before escaping (so an escape is never cut in half).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { SiemAlert, SiemProduct, SiemSeverity } from '../siem-alert';
import { alertMessage, alertTitle, reasonsText } from './alert-text';
import { truncateChars, wellFormed } from './field-text';

/** CEF severity 0–10: 0–3 Low, 4–6 Medium, 7–8 High, 9–10 Very-High. */
export const CEF_SEVERITY: Readonly<Record<SiemSeverity, number>> = { low: 3, medium: 5, high: 8, critical: 10 };

/** The extension dictionary's lengths for the fields written here. */
const LIMIT = {
  deviceVendor: 63,
  deviceProduct: 63,
  deviceVersion: 31,
  deviceEventClassId: 1023,
  name: 512,
  externalId: 40,
  deviceEventCategory: 1023,
  message: 1023,
  sourceUserName: 1023,
  customString: 4000,
  customLabel: 1023,
} as const;

const HEADER_SPECIALS = /[\\|\u0000-\u001f\u007f]/g;
const EXTENSION_SPECIALS = /[\\=\u0000-\u001f\u007f]/g;

/** A header field: `\` → `\\`, `|` → `\|`, control characters (line breaks included) → space. */
export function escapeCefHeader(value: string, maxChars: number): string {
  return wellFormed(truncateChars(value, maxChars)).replace(HEADER_SPECIALS, (c) =>
    c === '\\' ? '\\\\' : c === '|' ? '\\|' : ' ',
  );
}

/** An extension value: `\` → `\\`, `=` → `\=`, CR → `\r`, LF → `\n`, other control characters → space. */
export function escapeCefExtension(value: string, maxChars: number): string {
  return wellFormed(truncateChars(value, maxChars)).replace(EXTENSION_SPECIALS, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '=':
        return '\\=';
      case '\r':
        return '\\r';
      case '\n':
        return '\\n';
      default:
        return ' ';
    }
  });
}

/** One alert as one CEF line (no syslog header, no line terminator). */
export function formatCef(alert: SiemAlert, product: SiemProduct): string {
  const h = escapeCefHeader;
  const header = [
    'CEF:0',
    h(product.vendor, LIMIT.deviceVendor),
    h(product.product, LIMIT.deviceProduct),
    h(product.version, LIMIT.deviceVersion),
    h(alert.detector, LIMIT.deviceEventClassId),
    h(alertTitle(alert), LIMIT.name),
    String(CEF_SEVERITY[alert.severity]),
  ].join('|');
  const ext: [string, string][] = [
    ['rt', String(alert.ts)],
    ['externalId', escapeCefExtension(alert.id, LIMIT.externalId)],
    ['cat', escapeCefExtension(alert.detector, LIMIT.deviceEventCategory)],
    ['msg', escapeCefExtension(alertMessage(alert), LIMIT.message)],
  ];
  const { type, value } = alert.entity;
  // sourceAddress is an IPv4 field; the dictionary's custom IPv6 slot 2 is labelled for the source.
  if (type === 'ip' && isIPv4(value)) ext.push(['src', value]);
  else if (type === 'ip' && isIPv6(value)) ext.push(['c6a2', value], ['c6a2Label', 'Source IPv6 Address']);
  else if (type === 'principal') ext.push(['suser', escapeCefExtension(value, LIMIT.sourceUserName)]);
  const custom = (n: number, label: string, text: string) =>
    ext.push(
      [`cs${n}Label`, escapeCefExtension(label, LIMIT.customLabel)],
      [`cs${n}`, escapeCefExtension(text, LIMIT.customString)],
    );
  custom(1, 'entityType', type);
  custom(2, 'entityValue', value);
  custom(3, 'reasons', reasonsText(alert));
  custom(4, 'decisionIds', alert.decisionIds.join(','));
  ext.push(['cfp1Label', 'score'], ['cfp1', String(alert.score)]);
  return `${header}|${ext.map(([k, v]) => `${k}=${v}`).join(' ')}`;
}
