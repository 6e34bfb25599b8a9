import type { AccessEvent } from '@vigil/events';
import { DETECTOR_NAMES } from '../policy/policy-config';
import { LANE_NAMES, LANES, lanesOf } from './lanes';

describe('detection lanes', () => {
  it('runs every detector in exactly one lane', () => {
    const all = LANE_NAMES.flatMap((n) => LANES[n].detectors);
    expect([...all].sort()).toEqual([...DETECTOR_NAMES].sort());
  });

  it('writes an event to each lane whose key it carries, keyed by it', () => {
    const e = {
      clientIp: '203.0.113.7',
      principal: null,
      sessionId: 's1',
      apiKeyId: null,
      routeClass: 'login',
    } as unknown as AccessEvent;
    expect(lanesOf(e).map(({ lane, key }) => [lane.name, key])).toEqual([
      ['address', '203.0.113.7'],
      ['account', 's1'],
      ['logins', 'logins'],
    ]);
    const signedIn = { ...e, principal: 'p1', apiKeyId: 'k1', routeClass: 'data-read' } as AccessEvent;
    expect(lanesOf(signedIn).map(({ lane, key }) => [lane.name, key])).toEqual([
      ['address', '203.0.113.7'],
      ['account', 'p1'],
      ['apiKey', 'k1'],
    ]);
  });
});
