import { benchCorpusLines } from './bench-corpus';

describe('benchCorpusLines', () => {
  it('is deterministic: the same seed gives the same lines, another seed others', () => {
    const a = [...benchCorpusLines({ format: 'kong', records: 500, seed: 5 })];
    const b = [...benchCorpusLines({ format: 'kong', records: 500, seed: 5 })];
    const c = [...benchCorpusLines({ format: 'kong', records: 500, seed: 6 })];
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('emits records in event-time order', () => {
    let last = 0;
    for (const line of benchCorpusLines({ format: 'envoy', records: 2000, seed: 1 })) {
      const ts = Date.parse((JSON.parse(line) as { start_time: string }).start_time);
      expect(ts).toBeGreaterThanOrEqual(last);
      last = ts;
    }
  });
});
