import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { directoryIO, readModelArtifacts } from './directory-io';

describe('directoryIO', () => {
  let dir: string;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-io-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('saves a layers model and loads it back with identical predictions', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 4,
          inputShape: [3],
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.dense({
          units: 1,
          activation: 'sigmoid',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      ],
    });
    const x = tf.tensor2d([
      [0.1, -2, 3],
      [1, 1, 1],
    ]);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    await model.save(directoryIO(dir));
    const loaded = await tf.loadLayersModel(directoryIO(dir));
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(before));
    expect(readModelArtifacts(dir).weightSpecs?.map((w) => w.shape)).toEqual([[3, 4], [4], [4, 1], [1]]);
  });

  it('refuses a weight shard path outside the model directory', () => {
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }),
    );
    expect(() => readModelArtifacts(dir)).toThrow(/points outside the model directory/);
  });

  it('says which file is missing', () => {
    expect(() => readModelArtifacts(dir)).toThrow(/model\.json does not exist/);
  });
});
