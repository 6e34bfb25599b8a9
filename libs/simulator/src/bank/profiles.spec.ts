import { createSourceDecoder, parseSourceConfig } from '@vigil/events';
import { createWriter, sourceConfigFor } from '../formats';
import { Simulation } from '../simulation';
import { NB_API_HOST, NB_ID_HOST, NB_WEB_HOST } from './northbank-surface';
import { NORTHBANK_PROFILE } from './profiles';

describe('the northbank profile', () => {
  const sim = new Simulation({ seed: 4, minutes: 12, scale: 0.2, profile: 'northbank' });
  const requests = [...sim.requests()];
  const labels = sim.labels();

  it('serves another API surface, and only it', () => {
    const hosts = new Set(requests.map((r) => r.request.host));
    expect([...hosts].sort()).toEqual([NB_API_HOST, NB_ID_HOST, NB_WEB_HOST].sort());
    const logins = requests.filter((r) => r.request.route?.name === 'auth-login');
    expect(logins.length).toBeGreaterThan(20);
    expect(new Set(logins.map((r) => r.request.path))).toEqual(new Set(['/oauth/token']));
    expect(Object.keys(sim.routes().hosts).sort()).toEqual([NB_API_HOST, NB_ID_HOST, NB_WEB_HOST].sort());
  });

  it('has its own habits: app client keys, web sessions in a header, keep-alive pings', () => {
    const app = requests.filter((r) => r.request.deviceId !== null && r.kind !== 'attack');
    expect(app.length).toBeGreaterThan(0);
    const keys = NORTHBANK_PROFILE.habits.appClientKeys!;
    expect(app.every((r) => r.request.apiKey === keys.ios || r.request.apiKey === keys.android)).toBe(true);
    const web = requests.filter(
      (r) => r.request.host === NB_API_HOST && r.request.deviceId === null && r.request.consumer,
    );
    expect(web.some((r) => r.request.sessionHeader !== null && r.request.sessionCookie === null)).toBe(true);
    expect(requests.some((r) => r.request.route?.name === 'session-keepalive')).toBe(true);
  });

  it('has its own benign look-alikes: a rate-comparison crawler and another monitoring service', () => {
    const crawlers = labels.traps.filter((t) => t.trap === 'search_crawler');
    expect(crawlers.map((c) => c.params['crawler'] ?? 'search')).toEqual(['search', 'rate_comparison']);
    const monitors = labels.traps.find((t) => t.trap === 'uptime_monitor')!;
    expect(monitors.params['probes']).toBe(6);
    expect(monitors.entities.ips.every((ip) => ip.startsWith('185.93.3.'))).toBe(true);
  });

  it('decodes with the default source config: /oauth/token is a login, the SPA session a session', () => {
    const raw = sourceConfigFor('kong', {}, { trustedProxies: Simulation.networks('northbank').trustedProxies });
    const decoder = createSourceDecoder('kong', parseSourceConfig(raw));
    const writer = createWriter('kong');
    const login = requests.find((r) => r.request.route?.name === 'auth-login')!;
    const e = decoder.decode(writer.write(login.request));
    expect(e.ok && e.value.routeClass).toBe('login');
    const spa = requests.find((r) => r.request.sessionHeader !== null && r.request.deviceId === null)!;
    const d = decoder.decode(writer.write(spa.request));
    expect(d.ok && d.value.sessionId).not.toBeNull();
  });

  it('is deterministic, and leaves the default bank as it was', () => {
    const again = [...new Simulation({ seed: 4, minutes: 12, scale: 0.2, profile: 'northbank' }).requests()];
    expect(again.map((r) => r.request.requestId)).toEqual(requests.map((r) => r.request.requestId));
    const bank = [...new Simulation({ seed: 4, minutes: 12, scale: 0.2 }).requests()];
    expect(bank.every((r) => r.request.host.endsWith('bank.example') && !r.request.host.includes('northbank'))).toBe(
      true,
    );
  });
});
