/**
 * The shapes the detectors must learn (and the traps they must not block), checked on generated runs:
 * a key shared by a fleet, carrier NAT load, the crawler's id order, TLS fingerprints, and the variety of
 * takeovers and hijacks across seeds.
 */
import { CATALOG_LAST_ID } from '../bank/api-surface';
import type { CampaignLabel, LabelsFile } from '../labels';
import { BROWSER_JA4, ja4ForUserAgent } from '../population/tls-fingerprints';
import { CRAWLER_USER_AGENT } from '../population/user-agents';
import { Simulation, type LabeledRequest } from '../simulation';
import { network, networksOf, type Network } from './networks';

function run(seed: number, minutes: number, scale: number): { requests: LabeledRequest[]; labels: LabelsFile } {
  const sim = new Simulation({ seed, minutes, scale });
  const requests = [...sim.requests()];
  return { requests, labels: sim.labels() };
}

function ipValue(ip: string): number {
  return ip.split('.').reduce((v, o) => v * 256 + Number(o), 0);
}

function inNetwork(ip: string, n: Network): boolean {
  const [base, bits] = n.cidr.split('/') as [string, string];
  const start = ipValue(base);
  return ipValue(ip) >= start && ipValue(ip) < start + 2 ** (32 - Number(bits));
}

describe('simulated shapes', () => {
  let requests: LabeledRequest[];
  let labels: LabelsFile;
  const of = (id: string) => requests.filter((r) => r.group === id).map((r) => r.request);

  beforeAll(() => ({ requests, labels } = run(42, 60, 0.5)));

  it('runs an api_key_fleet campaign: one free-tier key shared by at least ten addresses, a few requests each', () => {
    const fleets = labels.campaigns.filter((c) => c.style === 'api_key_fleet');
    expect(fleets.length).toBeGreaterThan(0);
    for (const c of fleets) {
      expect(c.entities.apiKeys).toHaveLength(1);
      expect(c.hashed.apiKeys).toHaveLength(1);
      expect(c.entities.ips.length).toBeGreaterThanOrEqual(10);
      const perIp = new Map<string, number>();
      for (const r of of(c.id)) {
        expect(r.apiKey).toBe(c.entities.apiKeys[0]);
        perIp.set(r.clientIp, (perIp.get(r.clientIp) ?? 0) + 1);
      }
      expect(Math.max(...perIp.values())).toBeLessThanOrEqual(Number(c.params['requestsPerIp']));
    }
  });

  it('gives benign API clients their own keys, labeled as traps', () => {
    const clients = labels.traps.filter((t) => t.trap === 'api_client');
    expect(clients.length).toBeGreaterThanOrEqual(2);
    for (const t of clients) {
      expect(t.requests).toBeGreaterThan(0);
      expect(t.entities.apiKeys).toHaveLength(1);
      expect(t.entities.ips.length).toBeLessThanOrEqual(4);
    }
  });

  it('puts many customers behind each fixed carrier NAT address, with few failed logins', () => {
    const fixed = networksOf('mobile_cgnat').filter((n) => !n.org.includes('pool'));
    const logins = new Map<string, { users: Set<string>; failed: number; total: number }>();
    for (const { request: r } of requests) {
      if (r.route?.name !== 'auth-login' || !fixed.some((n) => inNetwork(r.clientIp, n))) continue;
      const e = logins.get(r.clientIp) ?? { users: new Set<string>(), failed: 0, total: 0 };
      e.users.add(r.loginUsername!);
      e.total++;
      if (r.status !== 200) e.failed++;
      logins.set(r.clientIp, e);
    }
    const busiest = Math.max(...[...logins.values()].map((e) => e.users.size));
    expect(busiest).toBeGreaterThanOrEqual(25);
    const all = [...logins.values()];
    const failed = all.reduce((n, e) => n + e.failed, 0) / all.reduce((n, e) => n + e.total, 0);
    expect(failed).toBeLessThan(0.12);
    const trap = labels.traps.find((t) => t.trap === 'carrier_nat')!;
    expect(trap.params['usersPerEgressAddress']).toBeGreaterThanOrEqual(100);
  });

  it('has the search crawler read the catalog in increasing id order from its own range, a trap', () => {
    const trap = labels.traps.find((t) => t.trap === 'search_crawler')!;
    const crawl = of(trap.id);
    const crawler = network('Search crawler');
    for (const r of crawl) {
      expect(inNetwork(r.clientIp, crawler)).toBe(true);
      expect(r.userAgent).toBe(CRAWLER_USER_AGENT);
    }
    const ids = crawl.filter((r) => r.route?.name === 'products-get').map((r) => Number(r.path.split('/').pop()));
    expect(ids.length).toBeGreaterThan(100);
    let increasing = 0;
    for (let i = 1; i < ids.length; i++) {
      if (ids[i]! > ids[i - 1]!) increasing++;
      else expect(ids[i - 1]!).toBeGreaterThan(CATALOG_LAST_ID); // a new pass after the end
    }
    expect(increasing).toBeGreaterThan(ids.length * 0.95);
    expect(crawl.some((r) => r.route?.name === 'products-get' && r.status === 404)).toBe(true);
    expect(labels.campaigns.some((c) => c.entities.ips.some((ip) => trap.entities.ips.includes(ip)))).toBe(false);
  });

  it('sends x-ja4 on traffic through the CDN, and a browser-claiming fleet shows its tool, not its browser', () => {
    const viaCdn = requests.filter((r) => r.request.forwardedFor !== null);
    expect(viaCdn.length).toBeGreaterThan(requests.length * 0.5);
    for (const { request: r } of viaCdn)
      expect(r.tlsFingerprint).toMatch(/^t13d\d{4}(h1|h2|00)_[0-9a-f]{12}_[0-9a-f]{12}$/);
    for (const { request: r } of requests) if (r.forwardedFor === null) expect(r.tlsFingerprint).toBeNull();
    const benignWeb = requests.find((r) => r.kind === 'benign' && r.request.userAgent?.includes('Firefox/'))!;
    expect(benignWeb.request.tlsFingerprint).toBe(BROWSER_JA4.firefox);
    const tooled = labels.campaigns.filter(
      (c) =>
        c.type === 'credential_stuffing' &&
        c.params['tlsMode'] === 'tool_shared' &&
        c.params['userAgents'] === 'rotating_browser',
    );
    for (const c of tooled) {
      const rs = of(c.id).filter((r) => r.tlsFingerprint !== null);
      expect(new Set(rs.map((r) => r.tlsFingerprint)).size).toBe(1);
      expect(rs.some((r) => r.tlsFingerprint !== ja4ForUserAgent(r.userAgent))).toBe(true);
    }
  });

  it('varies takeovers, hijacks and TLS modes across seeds', () => {
    const all: CampaignLabel[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) all.push(...run(seed, 90, 0.05).labels.campaigns);
    const values = (type: string, key: string) =>
      new Set(all.filter((c) => c.type === type).map((c) => String(c.params[key])));
    expect(values('account_takeover', 'origin').size).toBeGreaterThanOrEqual(3);
    expect(values('account_takeover', 'changesEmail')).toEqual(new Set(['true', 'false']));
    expect(values('account_takeover', 'steps').size).toBeGreaterThanOrEqual(3);
    expect(values('session_hijacking', 'channel')).toEqual(new Set(['web', 'mobile']));
    expect(values('session_hijacking', 'copiesUserAgent')).toEqual(new Set(['true', 'false']));
    expect(values('session_hijacking', 'origin').size).toBeGreaterThanOrEqual(2);
    const modes = all.filter((c) => c.params['userAgents'] === 'rotating_browser').map((c) => c.params['tlsMode']);
    expect(new Set(modes)).toContain('tool_shared');
    expect(modes.filter((m) => m === 'browser_like').length).toBeLessThan(modes.length / 2);
    // A mobile hijack replays the app's session header.
    const mobile = all.find((c) => c.type === 'session_hijacking' && c.params['channel'] === 'mobile');
    expect(mobile?.entities.sessions.length).toBe(1);
  });
});
