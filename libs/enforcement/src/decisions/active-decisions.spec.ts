import { decisionRecordKey, type Decision } from '@vigil/detection';
import { parseIp } from '@vigil/events';
import { ActiveDecisions } from './active-decisions';
import { checkResponse, verdictOf } from './verdict';

const T0 = 1_800_000_000_000;
const decision = (over: Partial<Decision>): Decision => ({
  id: 'd1',
  ts: T0,
  action: 'block',
  scope: 'ip',
  value: '203.0.113.7',
  ttlSeconds: 600,
  detector: 'credential_stuffing',
  score: 0.97,
  reasons: [],
  modelVersion: 'cs-1',
  shadow: false,
  ...over,
});
const put = (set: ActiveDecisions, d: Decision, at = T0) => set.apply(decisionRecordKey(d), d, at, at);

describe('ActiveDecisions', () => {
  it('serves a decision from its publication for its TTL, then expires it into the change log', () => {
    const set = new ActiveDecisions();
    put(set, decision({}));
    const ip = parseIp('203.0.113.7')!;
    expect(set.matching({ ip }, T0 + 599_000)).toHaveLength(1);
    expect(set.matching({ ip }, T0 + 600_000)).toHaveLength(0);
    const changes = set.expire(T0 + 600_000);
    expect(changes.map((c) => [c.kind, c.kind === 'removed' ? c.cause : null])).toEqual([['removed', 'expired']]);
    expect(set.size).toBe(0);
    expect(set.recentlyRemoved(T0 + 601_000).map((e) => e.decision.id)).toEqual(['d1']);
    expect(set.recentlyRemoved(T0 + 600_000 + 3_600_001)).toEqual([]);
  });

  it('counts the TTL from the event time when told to', () => {
    const set = new ActiveDecisions({ ttlClock: 'event' });
    set.apply('ip:203.0.113.7', decision({}), T0 + 500_000, T0 + 500_000);
    expect(set.get('ip:203.0.113.7')!.expiresAt).toBe(T0 + 600_000);
  });

  it('never serves shadow or monitor decisions, and a record that ends a key removes what it held', () => {
    const set = new ActiveDecisions();
    expect(put(set, decision({ shadow: true }))).toEqual([]);
    expect(put(set, decision({ action: 'monitor' }))).toEqual([]);
    expect(set.size).toBe(0);
    put(set, decision({}));
    put(set, decision({ action: 'monitor', id: 'd2' }));
    expect(set.size).toBe(0);
  });

  it('revokes on a tombstone and replaces on a new action with a delete of the old one', () => {
    const set = new ActiveDecisions();
    put(set, decision({ action: 'throttle' }));
    const changes = put(set, decision({ action: 'block', id: 'd2' }));
    expect(changes.map((c) => `${c.kind}:${c.entry.decision.action}`)).toEqual(['removed:throttle', 'added:block']);
    // The same action again is an extension: no delete, one new entry.
    expect(put(set, decision({ action: 'block', id: 'd2', ts: T0 + 60_000 }), T0 + 60_000).map((c) => c.kind)).toEqual([
      'added',
    ]);
    const revoked = set.apply('ip:203.0.113.7', null, T0 + 61_000, T0 + 61_000);
    expect(revoked.map((c) => (c.kind === 'removed' ? c.cause : c.kind))).toEqual(['revoked']);
    expect(set.matching({ ip: parseIp('203.0.113.7') }, T0 + 62_000)).toEqual([]);
  });

  it('keeps a change log that cursors resume from, and says when a cursor is too old', () => {
    const set = new ActiveDecisions({ changeLogLimit: 4 });
    for (let i = 0; i < 10; i++) put(set, decision({ id: `d${i}`, value: `198.51.100.${i}` }));
    expect(set.lastSeq).toBe(10);
    expect(set.changesSince(8)!.map((c) => c.seq)).toEqual([9, 10]);
    expect(set.changesSince(10)).toEqual([]);
    expect(set.changesSince(0)).toBeNull();
    expect(set.changesSince(11)).toBeNull();
  });

  it('matches ranges, exact scopes and signatures, and the strongest action wins', () => {
    const set = new ActiveDecisions();
    put(set, decision({ id: 'r', scope: 'subnet', value: '203.0.113.0/24', action: 'throttle' }));
    put(set, decision({ id: 'p', scope: 'principal', value: 'hmac-alice', action: 'step_up' }));
    put(
      set,
      decision({
        id: 's',
        scope: 'signature',
        value: { routeClass: 'login', userAgent: 'bad-bot' },
        action: 'challenge',
      }),
    );
    const ip = parseIp('203.0.113.9')!;
    const only = (s: object) => set.matching({ ip: null, ...s }, T0 + 1).map((e) => e.decision.id);
    expect(set.matching({ ip }, T0 + 1).map((e) => e.decision.id)).toEqual(['r']);
    expect(only({ principal: 'hmac-alice' })).toEqual(['p']);
    expect(only({ routeClass: 'login', userAgent: 'bad-bot' })).toEqual(['s']);
    expect(only({ routeClass: 'data-read', userAgent: 'bad-bot' })).toEqual([]);
    const all = set.matching({ ip, principal: 'hmac-alice', routeClass: 'login', userAgent: 'bad-bot' }, T0 + 1);
    const v = verdictOf(all);
    expect(v.winner!.decision.id).toBe('p');
    const r = checkResponse(v, T0 + 1);
    expect(r.status).toBe(200);
    expect(r.headers['x-vigil-action']).toBe('step_up');
    put(set, decision({ id: 'b', value: '203.0.113.9' }));
    const blocked = checkResponse(verdictOf(set.matching({ ip }, T0 + 1)), T0 + 1);
    expect([blocked.status, blocked.headers['retry-after']]).toEqual([403, '600']);
  });

  it('reports an already-ended decision read at start as recently deleted, not as active', () => {
    const set = new ActiveDecisions();
    const now = T0 + 700_000;
    set.apply('ip:203.0.113.7', decision({}), T0, now);
    expect(set.size).toBe(0);
    expect(set.recentlyRemoved(now).map((e) => e.decision.id)).toEqual(['d1']);
  });
});
