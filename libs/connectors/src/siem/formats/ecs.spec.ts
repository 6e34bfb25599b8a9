/**
 * ECS golden tests: the exact JSON text, written by hand (field names from the ECS reference, escapes
 * from JSON: `\"`, `\\`, `\n`, `\r`, `\u0001`, a lone surrogate as `\ud800`, non-ASCII as UTF-8).
 */
import {
  HOSTILE_IP_ALERT,
  HOSTILE_PRINCIPAL_ALERT,
  HOSTILE_PRODUCT,
  PLAIN_PRODUCT,
} from '../../../../../test/notifier/fixtures/hostile-alerts';
import { formatEcs } from './ecs';

describe('ECS', () => {
  it('writes a hostile ip alert as the exact ECS document', () => {
    const reason = String.raw`cred|stuff=ing\\x\ny alert on ip 203.0.113.7 (high, score 0.973): ip.fail=ratio|x\\=0.5 (baseline 0.01)`;
    const expected =
      String.raw`{"@timestamp":"2023-11-14T22:13:20.123Z","ecs":{"version":"8.11.0"},` +
      String.raw`"event":{"kind":"alert","category":["intrusion_detection"],"type":["info"],"id":"id=1|\\",` +
      String.raw`"code":"cred|stuff=ing\\x\ny","severity":73,"risk_score":97.34,"module":"vigil","dataset":"vigil.alerts",` +
      `"reason":"${reason}"},"message":"${reason}",` +
      String.raw`"rule":{"name":"cred|stuff=ing\\x\ny","ruleset":"vigil"},` +
      String.raw`"observer":{"vendor":"Ac|me\\Corp","product":"Vig=il\nX","version":"1.0|β","type":"ids"},` +
      String.raw`"source":{"ip":"203.0.113.7"},"related":{"ip":["203.0.113.7"]},` +
      String.raw`"vigil":{"alert_id":"id=1|\\","detector":"cred|stuff=ing\\x\ny","severity":"high","score":0.9734,` +
      String.raw`"entity":{"type":"ip","value":"203.0.113.7"},` +
      String.raw`"reasons":[{"feature":"ip.fail=ratio|x\\","value":0.5,"baseline":0.01}],"decision_ids":["d1","d=2|\n"]}}`;
    expect(formatEcs(HOSTILE_IP_ALERT, HOSTILE_PRODUCT)).toBe(expected);
  });

  it('escapes quotes, CR, controls and lone surrogates, and puts a principal in user.id', () => {
    const v = String.raw`\"q\" \\ é\r\u0001🚨\ud800`;
    const reason = `ato alert on principal ${v} (critical, score 1.000)`;
    expect(formatEcs(HOSTILE_PRINCIPAL_ALERT, PLAIN_PRODUCT)).toBe(
      `{"@timestamp":"1970-01-01T00:00:00.000Z","ecs":{"version":"8.11.0"},` +
        `"event":{"kind":"alert","category":["intrusion_detection"],"type":["info"],"id":"a1","code":"ato",` +
        `"severity":99,"risk_score":100,"module":"vigil","dataset":"vigil.alerts","reason":"${reason}"},` +
        `"message":"${reason}","rule":{"name":"ato","ruleset":"vigil"},` +
        `"observer":{"vendor":"Vigil","product":"Vigil","version":"0.1.0","type":"ids"},` +
        `"user":{"id":"${v}"},"related":{"user":["${v}"]},` +
        `"vigil":{"alert_id":"a1","detector":"ato","severity":"critical","score":1,` +
        `"entity":{"type":"principal","value":"${v}"},"reasons":[],"decision_ids":[]}}`,
    );
  });

  it('never writes source.ip for an ip entity that is not an address (Elasticsearch would reject the document)', () => {
    const doc = JSON.parse(
      formatEcs({ ...HOSTILE_IP_ALERT, entity: { type: 'ip', value: '1.2.3.4|x' } }, PLAIN_PRODUCT),
    );
    expect(doc.source).toBeUndefined();
    expect(doc.related).toBeUndefined();
    expect(doc.vigil.entity.value).toBe('1.2.3.4|x');
  });

  it('keeps a very long value whole (JSON has no limit; transports enforce theirs)', () => {
    const value = 'é'.repeat(100_000);
    const doc = JSON.parse(formatEcs({ ...HOSTILE_IP_ALERT, entity: { type: 'device', value } }, PLAIN_PRODUCT));
    expect(doc.vigil.entity.value).toBe(value);
  });

  it('maps severities onto the scale of Elastic detection alerts', () => {
    const sev = (s: 'low' | 'medium' | 'high' | 'critical') =>
      JSON.parse(formatEcs({ ...HOSTILE_IP_ALERT, severity: s }, PLAIN_PRODUCT)).event.severity;
    expect([sev('low'), sev('medium'), sev('high'), sev('critical')]).toEqual([21, 47, 73, 99]);
  });
});
