import { datasetOf, type RowSpec } from '../test-builders';
import { splitByTime } from './time-split';

const H = 3_600_000;

describe('splitByTime', () => {
  const rows: RowSpec[] = [
    // A campaign that starts before the cut and runs past it: all of it stays in training.
    ...[0.5, 1.5, 2.5].map((h) => ({ entity: 'h|10.0.0.1', at: h * H, campaign: 'soc:a', style: 'burst' })),
    // A campaign that starts after the cut.
    ...[2.2, 2.4].map((h) => ({ entity: 'h|10.0.0.2', at: h * H, campaign: 'soc:b', style: 'burst' })),
    // Its entity before the campaign started: grouped with the campaign, goes with it.
    { entity: 'h|10.0.0.2', at: 0.2 * H, splitKey: 'soc:b' },
    // Benign rows go by their own time.
    ...[0.1, 1.0, 2.1, 2.9].map((h) => ({ entity: 'h|81.2.0.7', at: h * H })),
    // Simulated rows are split by campaign, not by the history's clock.
    ...[1, 2, 3, 4].map((c) => ({
      entity: `sim|45.0.0.${c}`,
      at: 0,
      campaign: `sim:c${c}`,
      style: 'burst',
      origin: 'simulated' as const,
    })),
  ];

  it('validates on what happened after the cut, never cutting a campaign', () => {
    const s = splitByTime(datasetOf(rows), { mode: 'time', cutMs: 2 * H, validationShare: 0.3, seed: 1 });
    const side = (ds: typeof s.train, entity: string) =>
      [...ds.at].filter((_, r) => ds.entityKey(r) === entity).sort((a, b) => a - b);
    expect(side(s.train, 'h|10.0.0.1')).toHaveLength(3);
    expect(side(s.validation, 'h|10.0.0.2')).toEqual([0.2 * H, 2.2 * H, 2.4 * H]);
    expect(side(s.train, 'h|81.2.0.7')).toEqual([0.1 * H, 1.0 * H]);
    expect(side(s.validation, 'h|81.2.0.7')).toEqual([2.1 * H, 2.9 * H]);
    expect(s.validationCampaigns).toContain('soc:b');
    expect(s.trainCampaigns).toContain('soc:a');
    const simVal = s.validationCampaigns.filter((c) => c.startsWith('sim:'));
    expect(simVal.length).toBeGreaterThanOrEqual(1);
    expect(simVal.length).toBeLessThan(4);
    expect(s.cutMs).toBe(2 * H);
  });

  it('cuts at the last share of the history rows when no time is given', () => {
    const s = splitByTime(datasetOf(rows), { mode: 'time', validationShare: 0.5, seed: 1 });
    // History rows span 0.1 h – 2.9 h: half-way is 1.5 h.
    expect(s.cutMs).toBeCloseTo(1.5 * H, 0);
  });
});
