import type { AccessEvent } from '@vigil/events';
import { event, T0 } from '../../../../test/features/fixtures/access-events';
import { BatchView } from '../detectors/finding';
import type { Decision } from '../records/records';
import { FLEET_MIN_ADDRESSES, FleetSignatures } from './fleet-signatures';

const TOOL_TLS = 't13d1011h1_scraper_tool';
const MIN = 60_000;

const read = (ip: string, ts: number, over: Partial<AccessEvent> = {}): AccessEvent => ({
  ...event({ ts, ip, routeClass: 'data-read', status: 200 }),
  tlsFingerprint: TOOL_TLS,
  ...over,
});

const block = (ip: string, ts: number, detector = 'scraping'): Decision => ({
  id: `d-${ip}`,
  ts,
  action: 'block',
  scope: 'ip',
  value: ip,
  ttlSeconds: 900,
  detector,
  score: 0.95,
  reasons: [],
  modelVersion: 'baseline-1',
  shadow: false,
});

/** `n` addresses of a fleet, each read once and blocked, at `ts`. */
function fleet(n: number, ts: number, first = 0) {
  const ips = Array.from({ length: n }, (_, i) => `10.9.${(first + i) >> 8}.${(first + i) & 255}`);
  return { events: ips.map((ip) => read(ip, ts)), decisions: ips.map((ip) => block(ip, ts)) };
}

describe('FleetSignatures', () => {
  it('blocks the TLS fingerprint a fleet of blocked scrapers shares, on the route class they read', () => {
    const f = new FleetSignatures();
    const { events, decisions } = fleet(FLEET_MIN_ADDRESSES, T0);
    f.observe(events);
    const found = f.findings(decisions, new BatchView(events, [], T0));
    expect(found).toContainEqual(
      expect.objectContaining({
        detector: 'scraping',
        action: 'block',
        enforce: true,
        target: { scope: 'signature', value: { routeClass: 'data-read', tlsFingerprint: TOOL_TLS } },
      }),
    );
  });

  it('waits for enough addresses', () => {
    const f = new FleetSignatures();
    const { events, decisions } = fleet(FLEET_MIN_ADDRESSES - 1, T0);
    f.observe(events);
    expect(f.findings(decisions, new BatchView(events, [], T0))).toEqual([]);
  });

  it('never signs software that logged-in customers use (the bank app, a browser)', () => {
    const f = new FleetSignatures();
    f.observe([read('198.51.100.7', T0 - 30 * MIN, { principal: 'p-customer', status: 200 })]);
    const { events, decisions } = fleet(FLEET_MIN_ADDRESSES + 5, T0);
    f.observe(events);
    const found = f.findings(decisions, new BatchView(events, [], T0));
    expect(found.filter((x) => (x.target.value as Record<string, string>)['tlsFingerprint'] === TOOL_TLS)).toEqual([]);
  });

  it('ignores blocks by other detectors and forgets blocks older than ten minutes', () => {
    const f = new FleetSignatures();
    const { events, decisions } = fleet(FLEET_MIN_ADDRESSES, T0);
    f.observe(events);
    expect(
      f.findings(
        decisions.map((d) => ({ ...d, detector: 'credential-stuffing' })),
        new BatchView(events, [], T0),
      ),
    ).toEqual([]);
    f.findings(decisions, new BatchView(events, [], T0));
    expect(f.findings([], new BatchView([], [], T0 + 11 * MIN))).toEqual([]);
  });
});
