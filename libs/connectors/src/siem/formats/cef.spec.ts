/**
 * CEF golden tests. Expected lines are written by hand from the CEF rules (header: `\|` `\\`, no line
 * breaks; extension: `\\` `\=` `\n` `\r`, pipes as they are; the dictionary's lengths), not produced by
 * the code under test. String.raw keeps every backslash visible as it goes on the wire.
 */
import {
  HOSTILE_IP_ALERT,
  HOSTILE_PRINCIPAL_ALERT,
  HOSTILE_PRODUCT,
  PLAIN_PRODUCT,
} from '../../../../../test/notifier/fixtures/hostile-alerts';
import { escapeCefExtension, escapeCefHeader, formatCef } from './cef';

/** The extension's `key=value` pairs: split before each ` key=` (keys are CEF's: letters and digits). */
function extensionOf(line: string): Map<string, string> {
  const ext = line
    .split(/(?<!\\)\|/)
    .slice(7)
    .join('|');
  return new Map(
    ext.split(/ (?=[A-Za-z0-9]+=)/).map((pair) => {
      const i = pair.indexOf('=');
      return [pair.slice(0, i), pair.slice(i + 1)] as [string, string];
    }),
  );
}

describe('CEF', () => {
  it('escapes pipes and backslashes in the header and turns its line breaks into spaces', () => {
    const line = formatCef(HOSTILE_IP_ALERT, HOSTILE_PRODUCT);
    const header = String.raw`CEF:0|Ac\|me\\Corp|Vig=il X|1.0\|β|cred\|stuff=ing\\x y|cred\|stuff=ing\\x y alert on ip|8|`;
    expect(line.startsWith(header)).toBe(true);
  });

  it('writes the whole line of a hostile alert exactly', () => {
    const expected =
      String.raw`CEF:0|Ac\|me\\Corp|Vig=il X|1.0\|β|cred\|stuff=ing\\x y|cred\|stuff=ing\\x y alert on ip|8|` +
      String.raw`rt=1700000000123 externalId=id\=1|\\ cat=cred|stuff\=ing\\x\ny ` +
      String.raw`msg=cred|stuff\=ing\\x\ny alert on ip 203.0.113.7 (high, score 0.973): ip.fail\=ratio|x\\\=0.5 (baseline 0.01) ` +
      String.raw`src=203.0.113.7 cs1Label=entityType cs1=ip cs2Label=entityValue cs2=203.0.113.7 ` +
      String.raw`cs3Label=reasons cs3=ip.fail\=ratio|x\\\=0.5 (baseline 0.01) cs4Label=decisionIds cs4=d1,d\=2|\n ` +
      String.raw`cfp1Label=score cfp1=0.9734`;
    expect(formatCef(HOSTILE_IP_ALERT, HOSTILE_PRODUCT)).toBe(expected);
  });

  it('encodes CR as \\r, replaces other controls and lone surrogates, keeps non-ASCII, maps a principal to suser', () => {
    const line = formatCef(HOSTILE_PRINCIPAL_ALERT, PLAIN_PRODUCT);
    expect(line).toBe(
      String.raw`CEF:0|Vigil|Vigil|0.1.0|ato|ato alert on principal|10|rt=0 externalId=a1 cat=ato ` +
        String.raw`msg=ato alert on principal "q" \\ é\r 🚨� (critical, score 1.000) suser="q" \\ é\r 🚨� ` +
        String.raw`cs1Label=entityType cs1=principal cs2Label=entityValue cs2="q" \\ é\r 🚨� ` +
        String.raw`cs3Label=reasons cs3= cs4Label=decisionIds cs4= cfp1Label=score cfp1=1`,
    );
    expect(line).not.toMatch(/[\u0000-\u001f]/);
  });

  it('puts an IPv6 entity in c6a2 with its dictionary label, and no src', () => {
    const ext = extensionOf(
      formatCef({ ...HOSTILE_IP_ALERT, entity: { type: 'ip', value: '2001:db8::1' } }, PLAIN_PRODUCT),
    );
    expect(ext.get('c6a2')).toBe('2001:db8::1');
    expect(ext.get('c6a2Label')).toBe('Source IPv6 Address');
    expect(ext.has('src')).toBe(false);
  });

  it('never writes src for an ip entity that is not an address', () => {
    const line = formatCef({ ...HOSTILE_IP_ALERT, entity: { type: 'ip', value: '1.2.3.4 x=y' } }, PLAIN_PRODUCT);
    expect(extensionOf(line).has('src')).toBe(false);
    expect(extensionOf(line).get('cs2')).toBe(String.raw`1.2.3.4 x\=y`);
  });

  it('cuts very long values at the dictionary lengths, before escaping and on code points', () => {
    const long = { ...HOSTILE_IP_ALERT, id: '='.repeat(100), entity: { type: 'device', value: '🚨'.repeat(5000) } };
    const ext = extensionOf(formatCef(long, PLAIN_PRODUCT));
    // externalId: 40 characters, each `=` then escaped.
    expect(ext.get('externalId')).toBe('\\='.repeat(40));
    // cs2: 4000 characters of a 2-unit character, never half of one.
    expect(ext.get('cs2')).toBe('🚨'.repeat(4000));
    // msg: 1023 characters.
    expect([...ext.get('msg')!.replace(/\\(.)/g, '$1')]).toHaveLength(1023);
    expect(ext.get('msg')!.isWellFormed()).toBe(true);
  });

  it('cuts header fields at their lengths (vendor 63, version 31, name 512)', () => {
    const p = { vendor: 'v'.repeat(100), product: 'p', version: '9'.repeat(40) };
    const line = formatCef({ ...HOSTILE_IP_ALERT, detector: 'd'.repeat(600) }, p);
    const [, vendor, , version, , name] = line.split('|');
    expect(vendor).toBe('v'.repeat(63));
    expect(version).toBe('9'.repeat(31));
    expect(name).toBe('d'.repeat(512));
  });

  it('maps severities onto the CEF 0–10 scale (Low, Medium, High, Very-High bands)', () => {
    const sev = (s: 'low' | 'medium' | 'high' | 'critical') =>
      formatCef({ ...HOSTILE_IP_ALERT, severity: s }, PLAIN_PRODUCT).split(/(?<!\\)\|/)[6];
    expect([sev('low'), sev('medium'), sev('high'), sev('critical')]).toEqual(['3', '5', '8', '10']);
  });

  it('escape helpers: header keeps `=`, extension keeps `|`', () => {
    expect(escapeCefHeader('a=b|c\\d\r\ne', 100)).toBe(String.raw`a=b\|c\\d  e`);
    expect(escapeCefExtension('a=b|c\\d\r\ne', 100)).toBe(String.raw`a\=b|c\\d\r\ne`);
  });
});
