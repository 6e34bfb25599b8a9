import fc from 'fast-check';
import { accessEventArb } from '../../../../test/fixtures/access-event-arbitrary';
import { decodeVigilJson } from './vigil';

describe('canonical vigil JSON', () => {
  it('reads back every valid event it is given', () => {
    fc.assert(
      fc.property(accessEventArb, (event) => {
        const r = decodeVigilJson(JSON.stringify(event));
        expect(r.ok && r.value).toEqual(event);
      }),
      { numRuns: 300 },
    );
  });

  it('drops unknown extra fields', () => {
    const event = fc.sample(accessEventArb, 1)[0]!;
    const r = decodeVigilJson(JSON.stringify({ ...event, payload: 'x'.repeat(1000) }));
    expect(r.ok && 'payload' in r.value).toBe(false);
  });

  it('reads a v1 event (before malformed) as a valid request of the current version', () => {
    const event = fc.sample(accessEventArb, 1)[0]!;
    const { malformed: _absent, ...v1 } = { ...event, v: 1 };
    const r = decodeVigilJson(JSON.stringify(v1));
    expect(r.ok && r.value).toEqual({ ...event, malformed: null });
  });

  it.each([
    ['a missing field', (e: Record<string, unknown>) => delete e['path'], 'missing_field'],
    ['a wrong type', (e: Record<string, unknown>) => (e['status'] = '200'), 'invalid_status'],
    ['a non-canonical ip', (e: Record<string, unknown>) => (e['clientIp'] = '010.1.1.1'), 'invalid_ip'],
    ['an unknown route class', (e: Record<string, unknown>) => (e['routeClass'] = 'admin'), 'invalid_event'],
    ['another schema version', (e: Record<string, unknown>) => (e['v'] = 3), 'invalid_event'],
    ['an unknown malformed flag', (e: Record<string, unknown>) => (e['malformed'] = 'weird'), 'invalid_event'],
    ['no malformed field in a v2 event', (e: Record<string, unknown>) => delete e['malformed'], 'missing_field'],
    ['a float timestamp', (e: Record<string, unknown>) => (e['ts'] = 1.5), 'invalid_timestamp'],
  ])('dead-letters an event with %s', (_name, mutate, reason) => {
    const event = { ...fc.sample(accessEventArb, 1)[0]! } as Record<string, unknown>;
    mutate(event);
    const r = decodeVigilJson(JSON.stringify(event));
    expect(r.ok ? 'ok' : r.reason).toBe(reason);
  });
});
