/**
 * deploy/nginx and deploy/envoy agree with the enforcer: the NGINX example passes Debian's `nginx -t`
 * (the auth_request test runs it for real), and the Envoy example — no Envoy binary here — asks the
 * enforcer's check path with its key header, fails closed, and lets through every header the detector's
 * normalizer reads, so a check sees a request as the detector saw it logged.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { parseSourceConfig } from '@vigil/events';
import { CHECK_KEY_HEADER, ENVOY_CHECK_PREFIX, NGINX_CHECK_PATH, loadEnforcerConfig } from '@vigil/enforcer';
import { headersReadByNormalizer } from '../../libs/events/src/normalize/normalizer';

const DEPLOY = join(__dirname, '..', '..', 'deploy');

describe('proxy examples in deploy/', () => {
  it('deploy/enforcer.yaml is a valid enforcer config, with its keys from the environment', () => {
    const config = loadEnforcerConfig(['--config', join(DEPLOY, 'enforcer.yaml')], {
      VIGIL_ENFORCER_API_KEYS: 'edge-nginx:check:0123456789abcdef0123,firewall:bouncer+lists:fedcba9876543210fedc',
    });
    expect(config.decisions.kafka?.topic).toBe('vigil.decisions');
    expect(config.apiKeys.map((k) => [k.name, k.roles])).toEqual([
      ['edge-nginx', ['check']],
      ['firewall', ['bouncer', 'lists']],
    ]);
  });

  it('deploy/nginx/nginx.conf passes nginx -t and asks the enforcer’s check path with the check key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-nginx-t-'));
    mkdirSync(join(dir, 'logs'));
    for (const f of ['nginx.conf', 'vigil-enforcer-key.conf']) copyFileSync(join(DEPLOY, 'nginx', f), join(dir, f));
    const r = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(r.stderr).toContain('syntax is ok');
    expect(r.stderr).toContain('test is successful');
    const conf = readFileSync(join(DEPLOY, 'nginx', 'nginx.conf'), 'utf8');
    expect(conf).toContain(`proxy_pass http://vigil_enforcer${NGINX_CHECK_PATH};`);
    expect(readFileSync(join(DEPLOY, 'nginx', 'vigil-enforcer-key.conf'), 'utf8')).toMatch(
      new RegExp(`proxy_set_header ${CHECK_KEY_HEADER} "REPLACE-WITH-A-CHECK-KEY";`, 'i'),
    );
  });

  it('deploy/envoy/envoy.yaml uses the enforcer’s check prefix and key header and passes what the normalizer reads', () => {
    const doc = parseYaml(readFileSync(join(DEPLOY, 'envoy', 'envoy.yaml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const hcm = doc['static_resources'].listeners[0].filter_chains[0].filters[0].typed_config;
    expect(hcm.use_remote_address).toBe(true);
    const authz = hcm.http_filters.find(
      (f: { name: string }) => f.name === 'envoy.filters.http.ext_authz',
    ).typed_config;
    expect(authz.failure_mode_allow).toBe(false);
    expect(authz.http_service.path_prefix).toBe(ENVOY_CHECK_PREFIX);
    expect(authz.http_service.authorization_request.headers_to_add.map((h: { key: string }) => h.key)).toContain(
      CHECK_KEY_HEADER,
    );
    const allowed = authz.http_service.authorization_request.allowed_headers.patterns.map(
      (p: { exact: string }) => p.exact,
    );
    for (const h of [...headersReadByNormalizer(parseSourceConfig({})), 'user-agent', 'x-forwarded-for']) {
      expect(allowed).toContain(h);
    }
    const clusters = doc['static_resources'].clusters.map((c: { name: string }) => c.name);
    expect(clusters).toContain(authz.http_service.server_uri.cluster);
  });
});
