import { readDecisionRecord } from './decision-record';

const good = {
  id: 'x',
  ts: 1,
  action: 'block',
  scope: 'ip',
  value: '203.0.113.7',
  ttlSeconds: 60,
  detector: 'credential_stuffing',
  score: 1,
  reasons: [],
  modelVersion: 'm',
  shadow: false,
};
const read = (v: unknown, key: string | null = 'ip:203.0.113.7') =>
  readDecisionRecord(key, Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

describe('readDecisionRecord', () => {
  it('reads a decision and a tombstone', () => {
    expect(read(good)).toMatchObject({ ok: true, kind: 'decision', key: 'ip:203.0.113.7' });
    expect(readDecisionRecord('ip:203.0.113.7', null)).toEqual({ ok: true, kind: 'revocation', key: 'ip:203.0.113.7' });
  });

  it('refuses what is not a decision, with a reason', () => {
    const reason = (v: unknown, key?: string | null) => {
      const r = read(v, key);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason('{"id":')).toBe('malformed_json');
    expect(reason([1])).toBe('not_an_object');
    expect(reason({ ...good, action: 'nuke' })).toBe('invalid_decision');
    expect(reason({ ...good, value: '203.0.113.0/24' })).toBe('invalid_ip');
    expect(reason({ ...good, scope: 'subnet', value: '10.0.0.0/33' }, 'subnet:10.0.0.0/33')).toBe('invalid_ip');
    expect(reason({ ...good, scope: 'signature', value: { userAgent: 'x', evil: 'y' } })).toBe('invalid_decision');
    expect(reason({ ...good, ttlSeconds: -1 })).toBe('invalid_field_type');
    expect(reason(good, 'ip:198.51.100.1')).toBe('invalid_decision');
    expect(readDecisionRecord(null, null)).toMatchObject({ ok: false, reason: 'missing_field' });
    expect(readDecisionRecord('k', Buffer.alloc(70_000, 'a'))).toMatchObject({ ok: false, reason: 'record_too_large' });
  });
});
