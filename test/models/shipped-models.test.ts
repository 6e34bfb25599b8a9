/**
 * The models committed in models/ and the example notebook export must load against the running feature
 * registry: a registry change without retraining fails here, not in production.
 */
import { join } from 'node:path';
import { listModelDirs, loadModel, tfRuntime, validateModelDir } from '@vigil/models';

const root = join(__dirname, '..', '..');

describe('shipped models', () => {
  it('has one valid model per detector, each loading and scoring a batch', async () => {
    const dirs = [...listModelDirs(join(root, 'models')), join(root, 'notebooks-exports', 'example-scraping')];
    expect(dirs.length).toBe(4);
    const rt = await tfRuntime();
    for (const dir of dirs) {
      expect(validateModelDir(dir)).toMatchObject({ ok: true, problems: [] });
      const m = await loadModel(dir, { runtime: rt });
      const scores = m.predict(new Float32Array(3 * m.layout.width), 3);
      expect(scores.length).toBe(3);
      expect(m.manifest.thresholds.block.score).toBeGreaterThanOrEqual(m.manifest.thresholds.alert.score);
      const why = m.explain(new Float32Array(m.layout.width).fill(50));
      expect(why.reasons.length).toBeLessThanOrEqual(5);
      m.dispose();
    }
  });
});
