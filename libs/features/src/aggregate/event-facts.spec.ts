import type { AccessEvent } from '@vigil/events';
import { COUNTERS } from '../registry/counters';
import { COUNTER_INDEX } from '../registry/compiled-layout';
import { fillEventFacts, numericIdOf } from './event-facts';
import { travelSpeedKmh } from './travel';

const e = (path: string, routeTemplate: string) => ({ path, routeTemplate }) as AccessEvent;

describe('numericIdOf', () => {
  it('reads the last all-digit segment of a templated path', () => {
    expect(numericIdOf(e('/accounts/12345/statements', '/accounts/{id}/statements'))).toBe(12345);
    expect(numericIdOf(e('/a/1/b/22', '/a/{id}/b/{id}'))).toBe(22);
  });
  it('ignores masked numbers, paths without an {id} slot and over-long digit runs', () => {
    expect(numericIdOf(e('/cards/****1234', '/cards/{id}'))).toBe(-1);
    expect(numericIdOf(e('/v1/products', '/v1/products'))).toBe(-1);
    expect(numericIdOf(e('/x/1234567890123456', '/x/{id}'))).toBe(-1);
  });
});

describe('fillEventFacts', () => {
  const facts = new Float64Array(COUNTERS.length);
  const fill = (malformed: AccessEvent['malformed']) => {
    const ev = { path: '-', routeTemplate: '-', routeClass: 'other', status: 400, bytesOut: 157, malformed };
    fillEventFacts(facts, ev as AccessEvent, false, false, false, () => false);
    return [facts[COUNTER_INDEX.requests], facts[COUNTER_INDEX.malformedRequests], facts[COUNTER_INDEX.clientErrors]];
  };
  it('counts a malformed request as a request, a client error and a malformed request', () => {
    expect(fill('binary')).toEqual([1, 1, 1]);
    expect(fill(null)).toEqual([1, 0, 1]);
  });
});

describe('travelSpeedKmh', () => {
  it('is about 10,700 km/h for Paris → Singapore in an hour, 0 when not later', () => {
    const paris = [0, 46.2, 2.2, Math.cos((46.2 * Math.PI) / 180)] as const;
    const singapore = [3_600_000, 1.35, 103.8, Math.cos((1.35 * Math.PI) / 180)] as const;
    expect(travelSpeedKmh(paris, singapore)).toBeGreaterThan(9000);
    expect(travelSpeedKmh(paris, singapore)).toBeLessThan(12_000);
    expect(travelSpeedKmh(singapore, paris)).toBe(0);
  });
  it('wraps longitude across the antimeridian', () => {
    const a = [0, 0, 179, 1] as const;
    const b = [3_600_000, 0, -179, 1] as const;
    expect(travelSpeedKmh(a, b)).toBeLessThan(300);
  });
});
