import { defaultCandidates, selectBackend, type BackendCandidate, type Tf } from './tf-runtime';

const fakeTf = (backend: string) => ({ version: { tfjs: '4.22.0' }, backend }) as unknown as Tf;

describe('TF.js backend selection', () => {
  it('takes the first backend that starts and records why the others were skipped', async () => {
    const candidates: BackendCandidate[] = [
      { backend: 'tensorflow', init: () => Promise.reject(new Error("Cannot find module '@tensorflow/tfjs-node'")) },
      { backend: 'wasm', init: () => Promise.resolve(fakeTf('wasm')) },
      { backend: 'cpu', init: () => Promise.resolve(fakeTf('cpu')) },
    ];
    const rt = await selectBackend(candidates);
    expect(rt.backend).toBe('wasm');
    expect(rt.attempts).toEqual([
      { backend: 'tensorflow', ok: false, reason: "Cannot find module '@tensorflow/tfjs-node'" },
      { backend: 'wasm', ok: true },
    ]);
  });

  it('falls back to cpu when wasm fails too, and throws with every reason when nothing starts', async () => {
    const fail = (m: string) => () => Promise.reject(new Error(m));
    const rt = await selectBackend([
      { backend: 'tensorflow', init: fail('no native') },
      { backend: 'wasm', init: fail('no wasm binary') },
      { backend: 'cpu', init: () => Promise.resolve(fakeTf('cpu')) },
    ]);
    expect(rt.backend).toBe('cpu');
    await expect(selectBackend([{ backend: 'cpu', init: fail('broken') }])).rejects.toThrow(/cpu: broken/);
  });

  it('never requires tfjs-node eagerly, and `prefer` starts the list later', () => {
    const loaded: string[] = [];
    const all = defaultCandidates({ load: (id) => loaded.push(id) });
    expect(all.map((c) => c.backend)).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(loaded).toEqual([]);
    expect(defaultCandidates({ prefer: 'cpu' }).map((c) => c.backend)).toEqual(['cpu']);
  });

  it('on this machine, without tfjs-node, runs on WASM loaded from node_modules', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const real = (id: string): unknown => require(id);
    const rt = await selectBackend(
      defaultCandidates({
        load: (id) => {
          if (id === '@tensorflow/tfjs-node') throw new Error(`Cannot find module '${id}'`);
          return real(id);
        },
      }),
    );
    expect(rt.backend).toBe('wasm');
    expect(rt.tf.add(rt.tf.scalar(1), rt.tf.scalar(2)).dataSync()[0]).toBe(3);
  });
});
