import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSourceConfig } from '@vigil/events';
import { BUNDLED_MODELS, setupDetection } from '../detection-setup';
import { ModelReloader } from './model-reload';

async function emptyRoot() {
  const root = mkdtempSync(join(tmpdir(), 'vigil-reload-'));
  const setup = await setupDetection(undefined, parseSourceConfig({}, 'test'), {
    models: root,
    backend: { prefer: 'cpu' },
  });
  let swaps = 0;
  const reloader = new ModelReloader(root, setup, async (swap) => {
    swaps++;
    swap();
  });
  return { root, setup, reloader, swaps: () => swaps };
}

describe('ModelReloader', () => {
  it('swaps in a new line-up, carrying over the detectors no model feeds', async () => {
    const { root, setup, reloader, swaps } = await emptyRoot();
    const before = setup.engine.detectors;
    cpSync(join(BUNDLED_MODELS, 'credential-stuffing'), join(root, 'credential-stuffing'), { recursive: true });
    const r = await reloader.reload();
    expect(r).toMatchObject({ ok: true, dropped: [] });
    expect([...reloader.models.keys()]).toEqual(['credential-stuffing']);
    expect(swaps()).toBe(1);
    const after = setup.engine.detectors;
    expect(after.map((d) => d.id)).toEqual(before.map((d) => d.id));
    const byId = (ds: typeof before, id: string) => ds.find((d) => d.id === id);
    // The population detector keeps its counts; model-backed detectors are rebuilt.
    expect(byId(after, 'login-population')).toBe(byId(before, 'login-population'));
    expect(byId(after, 'credential-stuffing')).not.toBe(byId(before, 'credential-stuffing'));
  });

  it('refuses a set with a broken manifest and leaves the engine as it was', async () => {
    const { root, setup, reloader, swaps } = await emptyRoot();
    const before = setup.engine.detectors;
    mkdirSync(join(root, 'scraping', '9.0.0'), { recursive: true });
    writeFileSync(join(root, 'scraping', '9.0.0', 'manifest.json'), '{"manifestVersion": ');
    const r = await reloader.reload();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.dir).toBe(join(root, 'scraping', '9.0.0'));
      expect(r.problems.join('\n')).toMatch(/not valid JSON/);
    }
    expect(swaps()).toBe(0);
    expect(setup.engine.detectors).toBe(before);
  });
});
