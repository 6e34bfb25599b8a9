/**
 * The WindowStore contract: every implementation must pass it, with the same expected numbers. Run by
 * memory-window-store.test.ts, redis-window-store.test.ts (standalone) and redis-cluster-window-store.test.ts.
 */
import type { AccessEvent } from '@vigil/events';
import { featureRecord, type ApplyResult, type BatchPosition, type WindowStore } from '@vigil/features';
import { event, T0 } from './fixtures/access-events';

export interface StoreHarness {
  /** A fresh, empty store (its own key namespace). */
  create(options?: { allowedLatenessMs?: number }): Promise<WindowStore>;
  /**
   * A new store instance over the same state, as after a process restart. The memory store has no state
   * that outlives its process, so it returns the same instance.
   */
  reopen(store: WindowStore): Promise<WindowStore>;
  /** True when reopen() really gives a new instance over shared state. */
  readonly durable: boolean;
}

const MIN = 60_000;

function vectorOf(result: ApplyResult, entity: string, id: string): { features: Record<string, number> } {
  const v = result.vectors.find((x) => x.entity === entity && x.id === id);
  if (!v)
    throw new Error(`no ${entity} ${id} vector in ${result.vectors.map((x) => `${x.entity}:${x.id}`).join(', ')}`);
  return { features: featureRecord(v) };
}

const at = (ms: number) => T0 + ms;
const pos = (firstOffset: number, partition = 0): BatchPosition => ({ topic: 'access', partition, firstOffset });

export function describeWindowStoreContract(name: string, harness: StoreHarness): void {
  describe(`WindowStore contract: ${name}`, () => {
    const opened: WindowStore[] = [];
    const create = async (options?: { allowedLatenessMs?: number }) => {
      const s = await harness.create(options);
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('counts login attempts, failures and distinct principals per IP, subnet and the login flow', async () => {
      const store = await create();
      const events: AccessEvent[] = [];
      for (let i = 0; i < 30; i++) {
        events.push(
          event({ ts: at(i * 1000), ip: '192.0.2.7', principal: `victim-${i % 20}`, routeClass: 'login', status: 401 }),
        );
      }
      events.push(event({ ts: at(31_000), ip: '192.0.2.7', principal: 'victim-3', routeClass: 'login', status: 200 }));
      const r = await store.applyBatch(events, pos(0));
      const ip = vectorOf(r, 'ip', '192.0.2.7').features;
      expect(ip).toMatchObject({
        loginAttempts10m: 31,
        loginFailures10m: 30,
        distinctPrincipals10m: 20,
        loginsWithoutPriorRequest10m: 31,
        neverSucceededPrincipalShare10m: 1,
      });
      expect(ip['failedLoginRatio10m']).toBeCloseTo(30 / 31, 12);
      expect(vectorOf(r, 'subnet', '192.0.2.0/24').features).toMatchObject({ loginFailures10m: 30, distinctIps10m: 1 });
      expect(vectorOf(r, 'loginFlow', 'global').features).toMatchObject({
        loginAttempts10m: 31,
        distinctPrincipals10m: 20,
      });
      expect(r).toMatchObject({ events: 31, applied: 31, late: 0, duplicates: 0 });
    });

    it('counts malformed requests per IP, subnet and ASN, beside the requests they are part of', async () => {
      const store = await create();
      const probes = (['empty', 'binary', 'bad_method', 'no_protocol'] as const).map((malformed, i) =>
        event({ ts: at(i * 1000), ip: '198.51.100.66', asn: 64999, routeClass: 'other', status: 400, malformed }),
      );
      const r = await store.applyBatch(
        [
          ...probes,
          event({ ts: at(5000), ip: '198.51.100.66', asn: 64999 }),
          event({ ts: at(6000), ip: '198.51.100.9', asn: 64999 }),
        ],
        pos(0),
      );
      expect(vectorOf(r, 'ip', '198.51.100.66').features).toMatchObject({
        requests10m: 5,
        malformedRequests10m: 4,
        malformedRatio10m: 0.8,
      });
      expect(vectorOf(r, 'ip', '198.51.100.9').features).toMatchObject({
        malformedRequests10m: 0,
        malformedRatio10m: 0,
      });
      expect(vectorOf(r, 'subnet', '198.51.100.0/24').features['malformedRequests10m']).toBe(4);
      expect(vectorOf(r, 'asn', '64999').features['malformedRequests10m']).toBe(4);
    });

    it('counts distinct elements exactly while a window grows past a few of them across batches; a replay adds none', async () => {
      const store = await create();
      const tries = (from: number, names: string[]) =>
        names.map((p, i) =>
          event({ ts: at((from + i) * 1000), ip: '192.0.2.9', principal: p, routeClass: 'login', status: 401 }),
        );
      const distinct = (r: ApplyResult) => vectorOf(r, 'ip', '192.0.2.9').features['distinctPrincipals10m'];
      expect(distinct(await store.applyBatch(tries(0, ['p1', 'p2', 'p3']), pos(0)))).toBe(3);
      // One known, two new: five in the window, more than the Redis store keeps inline.
      const second = tries(3, ['p3', 'p4', 'p5']);
      expect(distinct(await store.applyBatch(second, pos(3)))).toBe(5);
      expect(distinct(await store.applyBatch(tries(6, ['p6', 'p7', 'p1']), pos(6)))).toBe(7);
      const again = await harness.reopen(store);
      expect(distinct(await again.applyBatch(second, pos(3)))).toBe(7);
    });

    it('remembers successes across batches: failures on a principal that once succeeded are not "never succeeded"', async () => {
      const store = await create();
      await store.applyBatch([event({ ts: at(0), principal: 'alice', routeClass: 'login', status: 200 })], pos(0));
      const r = await store.applyBatch(
        [
          event({ ts: at(1000), ip: '192.0.2.8', principal: 'alice', routeClass: 'login', status: 401 }),
          event({ ts: at(2000), ip: '192.0.2.8', principal: 'nobody', routeClass: 'login', status: 401 }),
        ],
        pos(1),
      );
      expect(vectorOf(r, 'ip', '192.0.2.8').features['neverSucceededPrincipalShare10m']).toBe(0.5);
    });

    it('rolls counters out of the 1m, 10m and 1h views as the watermark advances', async () => {
      const store = await create();
      await store.applyBatch([event({ ts: at(0), ip: '198.51.100.1' })], pos(0));
      const r1 = await store.applyBatch([event({ ts: at(2 * MIN), ip: '198.51.100.1' })], pos(1));
      expect(vectorOf(r1, 'ip', '198.51.100.1').features).toMatchObject({
        requests1m: 1,
        requests10m: 2,
        requests1h: 2,
      });
      const r2 = await store.applyBatch([event({ ts: at(15 * MIN), ip: '198.51.100.1' })], pos(2));
      expect(vectorOf(r2, 'ip', '198.51.100.1').features).toMatchObject({
        requests1m: 1,
        requests10m: 1,
        requests1h: 3,
      });
      const r3 = await store.applyBatch([event({ ts: at(75 * MIN), ip: '198.51.100.1' })], pos(3));
      expect(vectorOf(r3, 'ip', '198.51.100.1').features).toMatchObject({ requests10m: 1, requests1h: 1 });
    });

    it('counts a late event inside allowed lateness and reports later ones as late without applying them', async () => {
      const store = await create({ allowedLatenessMs: 30_000 });
      await store.applyBatch([event({ ts: at(5 * MIN), ip: '198.51.100.2' })], pos(0));
      const r = await store.applyBatch(
        [
          event({ ts: at(5 * MIN - 20_000), ip: '198.51.100.2' }),
          event({ ts: at(5 * MIN - 40_000), ip: '198.51.100.2' }),
        ],
        pos(1),
      );
      expect(r).toMatchObject({ applied: 1, late: 1 });
      expect(vectorOf(r, 'ip', '198.51.100.2').features['requests10m']).toBe(2);
      expect(store.stats().late).toBe(1);
    });

    it('applies a replayed batch once and returns the same vectors', async () => {
      const store = await create();
      const batch = [
        event({ ts: at(0), ip: '192.0.2.9', principal: 'bob', routeClass: 'login', status: 401 }),
        event({ ts: at(500), ip: '192.0.2.9', principal: 'bob', routeClass: 'login', status: 200 }),
        event({ ts: at(900), ip: '192.0.2.9', principal: 'bob', path: '/payments', routeClass: 'payment' }),
      ];
      const first = await store.applyBatch(batch, pos(100));
      const again = await store.applyBatch(batch, pos(100));
      expect(again.vectors).toEqual(first.vectors);
      expect(again).toMatchObject({ applied: 0, duplicates: 3 });
      expect(vectorOf(again, 'principal', 'bob').features).toMatchObject({
        loginAttempts10m: 2,
        failuresBeforeLastSuccess: 1,
        sensitiveAfterLogin10m: 1,
      });
    });

    it('counts each offset once when a replay overlaps what was applied, also after a restart', async () => {
      const events = Array.from({ length: 12 }, (_, i) => event({ ts: at(i * 1000), ip: '203.0.113.50' }));
      const store = await create();
      await store.applyBatch(events.slice(0, 8), pos(0));
      const restarted = await harness.reopen(store);
      if (restarted !== store) opened.push(restarted);
      const r = await restarted.applyBatch(events.slice(4), pos(4));
      expect(vectorOf(r, 'ip', '203.0.113.50').features['requests10m']).toBe(12);
      if (harness.durable) expect(r.duplicateEntities + r.duplicates).toBeGreaterThan(0);
      const r2 = await restarted.applyBatch(events.slice(0, 12), pos(0));
      expect(vectorOf(r2, 'ip', '203.0.113.50').features['requests10m']).toBe(12);
    });

    it('keeps partitions apart: the same offset on another partition is new', async () => {
      const store = await create();
      await store.applyBatch([event({ ts: at(0), ip: '203.0.113.51' })], pos(0, 0));
      const r = await store.applyBatch([event({ ts: at(100), ip: '203.0.113.51' })], pos(0, 1));
      expect(vectorOf(r, 'ip', '203.0.113.51').features['requests10m']).toBe(2);
    });

    it('tracks account takeover signals: new device and country, failures before success, travel, sensitive actions', async () => {
      const store = await create();
      await store.applyBatch(
        [event({ ts: at(0), principal: 'carol', device: 'd-home', country: 'FR', routeClass: 'login', status: 200 })],
        pos(0),
      );
      const r = await store.applyBatch(
        [
          event({
            ts: at(10 * MIN),
            ip: '100.64.0.1',
            principal: 'carol',
            device: 'd-new',
            country: 'SG',
            routeClass: 'login',
            status: 401,
          }),
          event({
            ts: at(10 * MIN + 5000),
            ip: '100.64.0.1',
            principal: 'carol',
            device: 'd-new',
            country: 'SG',
            routeClass: 'login',
            status: 401,
          }),
          event({
            ts: at(10 * MIN + 9000),
            ip: '100.64.0.1',
            principal: 'carol',
            device: 'd-new',
            country: 'SG',
            routeClass: 'login',
            status: 200,
          }),
          event({
            ts: at(11 * MIN),
            ip: '100.64.0.1',
            principal: 'carol',
            device: 'd-new',
            country: 'SG',
            path: '/payees',
            routeClass: 'account-change',
          }),
        ],
        pos(1),
      );
      const p = vectorOf(r, 'principal', 'carol').features;
      expect(p).toMatchObject({
        newDevice1h: 2,
        newCountry1h: 2,
        knownDevices30d: 2,
        distinctCountries24h: 2,
        failuresBeforeLastSuccess: 2,
        consecutiveFailures: 0,
        sensitiveAfterLogin10m: 1,
      });
      // Paris → Singapore (~10,700 km between centroids) in ten minutes.
      expect(p['maxTravelSpeedKmh1h']).toBeGreaterThan(50_000);
    });

    it('judges a sensitive action against the latest login applied before it, however the batches are cut', async () => {
      // A login at 2 min, then a late-arriving login from 1 min and a payment at 1.5 min: the latest
      // login applied before the payment is the one at 2 min, after it, so the payment does not follow a
      // login. The same with each event in its own batch and with the two in one batch.
      const login = (ms: number) =>
        event({ ts: at(ms), ip: '198.51.100.9', principal: 'dave', routeClass: 'login', status: 200 });
      const payment = (ms: number) =>
        event({ ts: at(ms), ip: '198.51.100.9', principal: 'dave', path: '/payments', routeClass: 'payment' });
      const outcomes: number[] = [];
      for (const cut of [1, 2]) {
        const store = await create();
        await store.applyBatch([login(2 * MIN)], pos(0));
        const rest = [login(1 * MIN), payment(1.5 * MIN), payment(4 * MIN)];
        let r: ApplyResult | undefined;
        for (let i = 0; i < rest.length; i += cut) r = await store.applyBatch(rest.slice(i, i + cut), pos(1 + i));
        outcomes.push(vectorOf(r!, 'principal', 'dave').features.sensitiveAfterLogin10m!);
      }
      // Only the payment at 4 min (2 min after the login at 2 min) follows a login.
      expect(outcomes).toEqual([1, 1]);
    });

    it('counts every sensitive action after a login, however many one batch holds', async () => {
      const events: AccessEvent[] = [
        event({ ts: at(0), ip: '198.51.100.10', principal: 'erin', routeClass: 'login', status: 200 }),
      ];
      for (let i = 1; i <= 100; i++) {
        events.push(
          event({ ts: at(i * 1000), ip: '198.51.100.10', principal: 'erin', path: '/payments', routeClass: 'payment' }),
        );
      }
      const counts: number[] = [];
      for (const cut of [events.length, 51]) {
        const store = await create();
        let r: ApplyResult | undefined;
        for (let i = 0; i < events.length; i += cut) r = await store.applyBatch(events.slice(i, i + cut), pos(i));
        counts.push(vectorOf(r!, 'principal', 'erin').features.sensitiveAfterLogin10m!);
      }
      expect(counts).toEqual([100, 100]);
    });

    it('remembers at most 32 devices per account, forgetting the least recently seen first (ties by member bytes)', async () => {
      const store = await create();
      // 40 devices at one instant: the cap keeps the 32 greatest names in byte order ('D-…' < 'd-…').
      const names = Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'd' : 'D'}-${String(i).padStart(2, '0')}`);
      const login = (ts: number, device: string) =>
        event({ ts, principal: 'dave', device, routeClass: 'login', status: 200 });
      const first = await store.applyBatch(
        names.map((d) => login(at(0), d)),
        pos(0),
      );
      expect(vectorOf(first, 'principal', 'dave').features).toMatchObject({ newDevice10m: 40, knownDevices30d: 32 });
      const evicted = [...names].sort().slice(0, 8);
      const kept = [...names].sort().slice(8);
      // An evicted device is new again; a kept one is not. Then the oldest kept (smallest name) goes.
      const second = await store.applyBatch([login(at(MIN), evicted[0]!), login(at(MIN), kept[31]!)], pos(40));
      expect(vectorOf(second, 'principal', 'dave').features).toMatchObject({ newDevice10m: 41, knownDevices30d: 32 });
      const third = await store.applyBatch([login(at(2 * MIN), kept[0]!), login(at(2 * MIN), kept[1]!)], pos(42));
      expect(vectorOf(third, 'principal', 'dave').features).toMatchObject({ newDevice10m: 42, knownDevices30d: 32 });
    });

    it('sees one session from two IPs', async () => {
      const store = await create();
      await store.applyBatch([event({ ts: at(0), ip: '198.51.100.20', session: 'sess-1' })], pos(0));
      const r = await store.applyBatch([event({ ts: at(60_000), ip: '203.0.113.20', session: 'sess-1' })], pos(1));
      expect(vectorOf(r, 'session', 'sess-1').features).toMatchObject({ distinctIps1h: 2, distinctUserAgents1h: 1 });
    });

    it('flags scraping: sequential ids, 404 ratio and machine-regular timing, across batch boundaries', async () => {
      const store = await create();
      const events = Array.from({ length: 40 }, (_, i) =>
        event({
          ts: at(i * 2000),
          ip: '203.0.113.77',
          apiKey: 'key-1',
          path: `/accounts/${5000 + i}`,
          status: i % 4 === 0 ? 404 : 200,
        }),
      );
      await store.applyBatch(events.slice(0, 15), pos(0));
      const r = await store.applyBatch(events.slice(15), pos(15));
      const ip = vectorOf(r, 'ip', '203.0.113.77').features;
      expect(ip).toMatchObject({ sequentialIdRatio10m: 39 / 40, status404Ratio10m: 10 / 40, interArrivalCv10m: 0 });
      expect(ip['meanInterArrivalMs10m']).toBe(2000);
      expect(vectorOf(r, 'apiKey', 'key-1').features).toMatchObject({ distinctResources10m: 40, interArrivalCv10m: 0 });
    });

    it('starts an entity afresh after its state TTL (event time)', async () => {
      const store = await create();
      await store.applyBatch(
        [event({ ts: at(0), ip: '192.0.2.60', principal: 'dave', routeClass: 'login', status: 401 })],
        pos(0),
      );
      // Two hours later (past the IP's 70 min TTL), from the same IP.
      const r = await store.applyBatch([event({ ts: at(120 * MIN), ip: '192.0.2.60' })], pos(1));
      expect(vectorOf(r, 'ip', '192.0.2.60').features).toMatchObject({ requests1h: 1, loginAttempts10m: 0 });
    });

    it('raises the login-flow robust z-score on a failure spike against an hour of baseline', async () => {
      const store = await create();
      let offset = 0;
      for (let m = 0; m < 30; m++) {
        const batch = [0, 1, 2].map((k) =>
          event({ ts: at(m * MIN + k * 1000), principal: `u${k}`, routeClass: 'login', status: k === 0 ? 401 : 200 }),
        );
        await store.applyBatch(batch, pos(offset));
        offset += batch.length;
      }
      const spike = Array.from({ length: 60 }, (_, k) =>
        event({ ts: at(30 * MIN + k * 500), ip: `192.0.2.${k}`, principal: `x${k}`, routeClass: 'login', status: 401 }),
      );
      await store.applyBatch(spike, pos(offset));
      const r = await store.applyBatch(
        [event({ ts: at(31 * MIN + 1000), routeClass: 'login', status: 200 })],
        pos(offset + 60),
      );
      const flow = vectorOf(r, 'loginFlow', 'global').features;
      expect(flow['loginFailuresLastMinute']).toBe(60);
      expect(flow['loginFailuresRobustZ']).toBeGreaterThan(10);
      expect(flow['loginFailuresEwma']).toBeCloseTo(1, 5);
    });
  });
}
