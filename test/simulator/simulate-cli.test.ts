import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../apps/cli/src/main';
import { createSourceDecoder, parseSourceConfig } from '@vigil/events';
import { SIM_FORMATS, type SimulationManifest } from '@vigil/simulator';

describe('vigil simulate', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-simulate-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(SIM_FORMATS)(
    'writes %s traffic that the events decoders read without a dead letter',
    async (format) => {
      const out = join(root, format);
      const code = await main([
        'node',
        'vigil',
        'simulate',
        '--out',
        out,
        '--minutes',
        '8',
        '--scale',
        '0.05',
        '--seed',
        '9',
        '--format',
        format,
        '--no-progress',
      ]);
      expect(code).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as SimulationManifest;
      const decoder = createSourceDecoder(format, parseSourceConfig(manifest.sourceConfig));
      const lines = readFileSync(join(out, manifest.files.traffic), 'utf8').trim().split('\n');
      expect(lines.length).toBe(manifest.stats.requests);
      let logins = 0;
      for (const line of lines) {
        const e = decoder.decode(line);
        if (!e.ok) throw new Error(`${e.reason}: ${e.detail}`);
        if (e.value.routeClass === 'login' && e.value.principal !== null) logins++;
      }
      // API Gateway cannot log request headers: no login usernames there (documented in the writer).
      if (format !== 'apigw') expect(logins).toBeGreaterThan(50);
    },
    60_000,
  );

  it('refuses an unknown format with a usage error', async () => {
    const code = await main(['node', 'vigil', 'simulate', '--out', join(root, 'x'), '--format', 'haproxy']);
    expect(code).toBe(2);
  });
});
