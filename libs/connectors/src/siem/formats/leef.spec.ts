/**
 * LEEF 2.0 golden tests, written by hand from the rules in leef.ts: the delimiter declared in the header
 * (printable as itself, tab as `x09`), values that never hold a raw delimiter or line break
 * (`\\`, `\<delimiter>`, `\r`, `\n`, `\t`), header fields with `\|` and `\\`.
 */
import {
  HOSTILE_IP_ALERT,
  HOSTILE_PRINCIPAL_ALERT,
  HOSTILE_PRODUCT,
  PLAIN_PRODUCT,
} from '../../../../../test/notifier/fixtures/hostile-alerts';
import { formatLeef, leefDelimiterField, leefDelimiterProblem } from './leef';

const TAB = '\t';

describe('LEEF 2.0', () => {
  it('writes the whole line of a hostile alert exactly, tab-delimited and declared as x09', () => {
    const expected =
      String.raw`LEEF:2.0|Ac\|me\\Corp|Vig=il X|1.0\|β|cred\|stuff=ing\\x y|x09|` +
      [
        "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        'devTime=2023-11-14T22:13:20.123+0000',
        'sev=8',
        String.raw`cat=cred|stuff=ing\\x\ny`,
        'src=203.0.113.7',
        String.raw`msg=cred|stuff=ing\\x\ny alert on ip 203.0.113.7 (high, score 0.973): ip.fail=ratio|x\\=0.5 (baseline 0.01)`,
        String.raw`vigilAlertId=id=1|\\`,
        'vigilEntityType=ip',
        'vigilEntityValue=203.0.113.7',
        'vigilScore=0.9734',
        String.raw`vigilReasons=ip.fail=ratio|x\\=0.5 (baseline 0.01)`,
        String.raw`vigilDecisionIds=d1,d=2|\n`,
      ].join(TAB);
    expect(formatLeef(HOSTILE_IP_ALERT, HOSTILE_PRODUCT)).toBe(expected);
  });

  it('escapes a caret delimiter inside values and declares it as itself; a tab in a value becomes \\t', () => {
    const alert = { ...HOSTILE_PRINCIPAL_ALERT, entity: { type: 'device', value: 'a^b\tc' } };
    const line = formatLeef(alert, PLAIN_PRODUCT, { delimiter: '^' });
    expect(line).toBe(
      'LEEF:2.0|Vigil|Vigil|0.1.0|ato|^|' +
        [
          "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
          'devTime=1970-01-01T00:00:00.000+0000',
          'sev=10',
          'cat=ato',
          String.raw`msg=ato alert on device a\^b\tc (critical, score 1.000)`,
          'vigilAlertId=a1',
          'vigilEntityType=device',
          String.raw`vigilEntityValue=a\^b\tc`,
          'vigilScore=1',
          'vigilReasons=',
          'vigilDecisionIds=',
        ].join('^'),
    );
    // Split at unescaped delimiters, the line gives back exactly its eleven attributes.
    expect(
      line
        .split('|')
        .slice(6)
        .join('|')
        .split(/(?<!\\)\^/),
    ).toHaveLength(11);
  });

  it('keeps non-ASCII, encodes CR, replaces other controls and lone surrogates, maps a principal to usrName', () => {
    const line = formatLeef(HOSTILE_PRINCIPAL_ALERT, PLAIN_PRODUCT);
    const attrs = line.split('|').slice(6).join('|').split(TAB);
    expect(attrs).toContain(String.raw`usrName="q" \\ é\r 🚨�`);
    expect(attrs).toContain(String.raw`vigilEntityValue="q" \\ é\r 🚨�`);
    expect(line).not.toMatch(/[\u0000-\u0008\u000a-\u001f]/);
  });

  it('cuts values at maxValueChars on code points, and the EventID at 255 characters', () => {
    const alert = {
      ...HOSTILE_IP_ALERT,
      detector: 'd'.repeat(300),
      entity: { type: 'device', value: '🚨'.repeat(5000) },
    };
    const line = formatLeef(alert, PLAIN_PRODUCT, { maxValueChars: 10 });
    expect(line.split('|')[4]).toBe('d'.repeat(255));
    expect(line).toContain(`${TAB}vigilEntityValue=${'🚨'.repeat(10)}${TAB}`);
    expect(line).toContain(`${TAB}cat=dddddddddd${TAB}`);
  });

  it('refuses delimiters that would make attributes ambiguous, and writes the others in the header form', () => {
    for (const bad of ['=', '|', '\\', 'a', '7', ' ', '\n', '^^'])
      expect(() => formatLeef(HOSTILE_IP_ALERT, PLAIN_PRODUCT, { delimiter: bad })).toThrow(/delimiter/);
    expect(leefDelimiterProblem('^')).toBeNull();
    expect([leefDelimiterField('\t'), leefDelimiterField('^'), leefDelimiterField('\u001f')]).toEqual([
      'x09',
      '^',
      'x1f',
    ]);
  });
});
