import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSourceDecoder, DEVELOPMENT_HASH_KEY, parseSourceConfig, type AccessEvent } from '@vigil/events';
import { createWriter, FORMAT_CAPABILITIES, SIM_FORMATS } from './formats';
import { CAMPAIGN_STYLES, hashEntities, TRAP_KINDS, type LabelsFile, type RequestLabel } from './labels';
import { simulateToDirectory, type SimulationManifest } from './output/directory';
import { Simulation, type LabeledRequest, type RoutesFile } from './simulation';

const SMALL = { minutes: 40, scale: 0.15 } as const;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-sim-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const FILES = ['traffic.kong.log', 'request-labels.ndjson', 'labels.json', 'routes.json', 'manifest.json'];

describe('Simulation', () => {
  let requests: LabeledRequest[];
  let labels: LabelsFile;
  let routes: RoutesFile;

  beforeAll(() => {
    const sim = new Simulation({ seed: 42, ...SMALL });
    requests = [...sim.requests()];
    labels = sim.labels();
    routes = sim.routes();
  });

  it('writes byte-identical files for the same seed and different ones for another seed', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    const run = { minutes: 20, scale: 0.1 };
    await simulateToDirectory({ outDir: a, format: 'kong', seed: 7, ...run });
    await simulateToDirectory({ outDir: b, format: 'kong', seed: 7, ...run });
    await simulateToDirectory({ outDir: c, format: 'kong', seed: 8, ...run });
    for (const f of FILES) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);
    expect(readFileSync(join(c, 'traffic.kong.log')).equals(readFileSync(join(a, 'traffic.kong.log')))).toBe(false);
  }, 30_000);

  it('emits requests in event-time order inside the run', () => {
    let last = -Infinity;
    for (const { request } of requests) {
      expect(request.ts).toBeGreaterThanOrEqual(last);
      last = request.ts;
    }
    expect(requests[0]!.request.ts).toBeGreaterThanOrEqual(labels.startMs);
    expect(last).toBeLessThan(labels.endMs);
  });

  it('labels campaigns of every type and style, and every trap kind, each with its requests', () => {
    const styles = new Set(labels.campaigns.map((c) => `${c.type}/${c.style}`));
    for (const [type, list] of Object.entries(CAMPAIGN_STYLES)) {
      for (const style of list) expect(styles).toContain(`${type}/${style}`);
    }
    const traps = new Set(labels.traps.filter((t) => t.requests > 0).map((t) => t.trap));
    for (const kind of TRAP_KINDS) expect(traps).toContain(kind);
    const counted = new Map<string, number>();
    for (const r of requests) if (r.group) counted.set(r.group, (counted.get(r.group) ?? 0) + 1);
    for (const g of [...labels.campaigns, ...labels.traps]) expect(counted.get(g.id) ?? 0).toBe(g.requests);
  });

  it('names in each campaign exactly the entities its requests carry, within its time span', () => {
    const byId = new Map(labels.campaigns.map((c) => [c.id, c]));
    for (const { request: r, group } of requests) {
      const c = group ? byId.get(group) : undefined;
      if (!c) continue;
      expect(r.ts).toBeGreaterThanOrEqual(c.startMs);
      expect(r.ts).toBeLessThanOrEqual(c.endMs);
      expect(c.entities.ips).toContain(r.clientIp);
      if (r.loginUsername) expect(c.entities.principals).toContain(r.loginUsername);
      if (r.sessionCookie) expect(c.entities.sessions).toContain(r.sessionCookie);
    }
    const ato = labels.campaigns.filter((c) => c.type === 'account_takeover');
    for (const a of ato)
      expect(labels.campaigns.find((c) => c.id === a.parent)?.compromised).toEqual(
        expect.arrayContaining(a.compromised),
      );
  });

  it('hashes label entities exactly as the decoder hashes the events', () => {
    const config = parseSourceConfig({ trustedProxies: Simulation.networks().trustedProxies });
    const decoder = createSourceDecoder('kong', config);
    const writer = createWriter('kong');
    const stuffing = labels.campaigns.find((c) => c.type === 'credential_stuffing')!;
    const seen = new Set<string>();
    for (const { request, group } of requests) {
      if (group !== stuffing.id) continue;
      const e = decoder.decode(writer.write(request));
      if (!e.ok) throw new Error(e.detail);
      if (e.value.principal !== null) seen.add(e.value.principal);
    }
    expect(new Set(stuffing.hashed.principals)).toEqual(seen);
    expect(hashEntities(stuffing.entities, DEVELOPMENT_HASH_KEY).principals).toEqual(stuffing.hashed.principals);
  });

  it('lists in routes.json the route template that decoding gives every routed request', () => {
    const config = parseSourceConfig({ trustedProxies: Simulation.networks().trustedProxies });
    const decoder = createSourceDecoder('envoy', config);
    const writer = createWriter('envoy');
    const truth = new Set(
      Object.entries(routes.hosts).flatMap(([host, list]) => list.map((r) => `${host} ${r.method} ${r.template}`)),
    );
    const observed = new Set<string>();
    let checked = 0;
    for (const { request } of requests) {
      if (!request.route) continue;
      const e = decoder.decode(writer.write(request));
      if (!e.ok) throw new Error(e.detail);
      const ev: AccessEvent = e.value;
      // Known libs/events defect: a Luhn-valid digit run inside a UUID is masked (see round-trip.spec.ts).
      if (ev.routeTemplate.includes('****')) continue;
      const key = `${ev.host} ${ev.method} ${ev.routeTemplate}`;
      expect(truth).toContain(key);
      observed.add(key);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
    const called = Object.entries(routes.hosts).flatMap(([h, l]) =>
      l.filter((r) => r.requests > 0).map((r) => `${h} ${r.method} ${r.template}`),
    );
    expect(observed).toEqual(new Set(called));
  });

  it.each(SIM_FORMATS)(
    'writes %s traffic whose decoded events carry the TLS fingerprint the format can log',
    async (format) => {
      const dir = tmp();
      await simulateToDirectory({ outDir: dir, format, seed: 5, minutes: 6, scale: 0.05 });
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SimulationManifest;
      const decoder = createSourceDecoder(format, parseSourceConfig(manifest.sourceConfig));
      const lines = readFileSync(join(dir, manifest.files.traffic), 'utf8').trim().split('\n');
      let fingerprinted = 0;
      for (const line of lines) {
        const e = decoder.decode(line);
        if (!e.ok) throw new Error(`${e.reason}: ${e.detail}`);
        if (e.value.tlsFingerprint !== null) fingerprinted++;
      }
      if (FORMAT_CAPABILITIES[format].tlsFingerprint) expect(fingerprinted).toBeGreaterThan(lines.length * 0.4);
      else expect(fingerprinted).toBe(0);
    },
    20_000,
  );

  it('writes request labels that all point at requests in the traffic file', async () => {
    const dir = tmp();
    await simulateToDirectory({ outDir: dir, format: 'nginx-json', seed: 3, minutes: 15, scale: 0.1 });
    const ids = new Set(
      readFileSync(join(dir, 'traffic.nginx-json.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { request_id: string }).request_id),
    );
    const lines = readFileSync(join(dir, 'request-labels.ndjson'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    for (const l of lines) expect(ids).toContain((JSON.parse(l) as RequestLabel).requestId);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SimulationManifest;
    expect(manifest.parameters.seed).toBe(3);
    expect(manifest.stats.requests).toBe(ids.size);
  }, 20_000);
});
