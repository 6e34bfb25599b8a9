import { HOSTILE_IP_ALERT } from '../../../../test/notifier/fixtures/hostile-alerts';
import { decodeSiemAlert } from './siem-alert';

const decode = (v: unknown, max?: number) =>
  decodeSiemAlert(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)), max);

describe('decodeSiemAlert', () => {
  it('reads an alert as the detector writes it, ignoring fields added later', () => {
    expect(decode({ ...HOSTILE_IP_ALERT, added: 1 })).toEqual({ ok: true, value: HOSTILE_IP_ALERT });
  });

  it('refuses what is not an alert, each with its reason', () => {
    const reasonOf = (v: unknown, max?: number) => {
      const r = typeof v === 'object' && v !== null && 'tombstone' in v ? decodeSiemAlert(null) : decode(v, max);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reasonOf('{"id":')).toBe('malformed_json');
    expect(reasonOf('[]')).toBe('not_an_object');
    expect(reasonOf('"text"')).toBe('not_an_object');
    expect(reasonOf({ tombstone: true })).toBe('missing_field');
    expect(reasonOf({ ...HOSTILE_IP_ALERT, reasons: undefined })).toBe('missing_field');
    expect(reasonOf({ ...HOSTILE_IP_ALERT, severity: 'urgent' })).toBe('invalid_field_type');
    expect(reasonOf({ ...HOSTILE_IP_ALERT, ts: -1 })).toBe('invalid_field_type');
    expect(reasonOf({ ...HOSTILE_IP_ALERT, score: 'high' })).toBe('invalid_field_type');
    expect(reasonOf({ ...HOSTILE_IP_ALERT, entity: { type: 'ip' } })).toBe('invalid_field_type');
    expect(reasonOf({ ...HOSTILE_IP_ALERT, reasons: [{ feature: 'x', value: null, baseline: 0 }] })).toBe(
      'invalid_field_type',
    );
    expect(reasonOf({ ...HOSTILE_IP_ALERT, decisionIds: [1] })).toBe('invalid_field_type');
    expect(reasonOf(HOSTILE_IP_ALERT, 10)).toBe('record_too_large');
  });
});
