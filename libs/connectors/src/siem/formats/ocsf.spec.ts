/**
 * OCSF Detection Finding golden tests: the exact JSON text, written by hand, and the attributes the
 * 1.8.0 schema marks required (base_event, finding, finding_info, metadata) checked one by one.
 */
import {
  HOSTILE_IP_ALERT,
  HOSTILE_PRINCIPAL_ALERT,
  HOSTILE_PRODUCT,
  PLAIN_PRODUCT,
} from '../../../../../test/notifier/fixtures/hostile-alerts';
import { formatOcsf } from './ocsf';

describe('OCSF Detection Finding', () => {
  it('writes a hostile ip alert as the exact finding', () => {
    const message = String.raw`cred|stuff=ing\\x\ny alert on ip 203.0.113.7 (high, score 0.973): ip.fail=ratio|x\\=0.5 (baseline 0.01)`;
    const expected =
      `{"activity_id":1,"activity_name":"Create","category_uid":2,"category_name":"Findings",` +
      `"class_uid":2004,"class_name":"Detection Finding","type_uid":200401,"type_name":"Detection Finding: Create",` +
      `"severity_id":4,"severity":"High","time":1700000000123,"message":"${message}",` +
      `"status_id":1,"status":"New","is_alert":true,"risk_score":97,` +
      String.raw`"metadata":{"version":"1.8.0","uid":"id=1|\\","log_name":"vigil.alerts",` +
      String.raw`"product":{"name":"Vig=il\nX","vendor_name":"Ac|me\\Corp","version":"1.0|β"}},` +
      String.raw`"finding_info":{"uid":"id=1|\\","title":"cred|stuff=ing\\x\ny alert on ip","created_time":1700000000123,` +
      String.raw`"types":["cred|stuff=ing\\x\ny"],"analytic":{"name":"cred|stuff=ing\\x\ny","type_id":2,"type":"Behavioral"}},` +
      `"resources":[{"type":"ip","uid":"203.0.113.7"}],` +
      `"observables":[{"name":"resources[0].uid","type_id":2,"type":"IP Address","value":"203.0.113.7"}],` +
      String.raw`"unmapped":{"vigil":{"score":0.9734,"reasons":[{"feature":"ip.fail=ratio|x\\","value":0.5,"baseline":0.01}],` +
      String.raw`"decision_ids":["d1","d=2|\n"]}}}`;
    expect(formatOcsf(HOSTILE_IP_ALERT, HOSTILE_PRODUCT)).toBe(expected);
  });

  it('carries every attribute the schema requires', () => {
    const f = JSON.parse(formatOcsf(HOSTILE_PRINCIPAL_ALERT, PLAIN_PRODUCT));
    // base_event
    for (const k of ['activity_id', 'category_uid', 'class_uid', 'severity_id', 'time', 'type_uid', 'metadata'])
      expect([k, f[k]]).not.toEqual([k, undefined]);
    expect(f.type_uid).toBe(f.class_uid * 100 + f.activity_id);
    // finding; finding_info.uid; metadata.product and metadata.version
    expect(f.finding_info.uid).toBe('a1');
    expect(f.metadata.version).toBe('1.8.0');
    expect(f.metadata.product).toEqual({ name: 'Vigil', vendor_name: 'Vigil', version: '0.1.0' });
    expect(f.severity_id).toBe(5);
  });

  it('escapes hostile entity text as JSON and types observables by what the value is', () => {
    const text = formatOcsf(HOSTILE_PRINCIPAL_ALERT, PLAIN_PRODUCT);
    expect(text).toContain(String.raw`"resources":[{"type":"principal","uid":"\"q\" \\ é\r\u0001🚨\ud800"}]`);
    expect(JSON.parse(text).observables[0]).toMatchObject({ type_id: 10, type: 'Resource UID' });
    const notAnIp = JSON.parse(formatOcsf({ ...HOSTILE_IP_ALERT, entity: { type: 'ip', value: 'x' } }, PLAIN_PRODUCT));
    expect(notAnIp.observables[0]).toMatchObject({ type_id: 10 });
    const subnet = JSON.parse(
      formatOcsf({ ...HOSTILE_IP_ALERT, entity: { type: 'subnet', value: '203.0.113.0/24' } }, PLAIN_PRODUCT),
    );
    expect(subnet.observables[0]).toMatchObject({ type_id: 12, type: 'Subnet' });
  });
});
