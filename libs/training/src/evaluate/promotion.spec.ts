import { describeRegression, promotionVerdict, type PooledFigures } from './promotion';

function figures(
  styles: Record<string, [detected: number, entities: number, stopped?: number, requests?: number]>,
  benign: Record<string, [affected: number, users: number]>,
): PooledFigures {
  return {
    sources: 1,
    events: 1000,
    styles: Object.fromEntries(
      Object.entries(styles).map(([k, [d, e, s, r]]) => [
        k,
        { campaigns: 1, entities: e, detected: d, requests: r ?? e, stopped: s ?? d },
      ]),
    ),
    benign: Object.fromEntries(
      Object.entries(benign).map(([k, [a, u]]) => [k, { users: u, usersAffected: a, enforcingDecisions: a }]),
    ),
  };
}

describe('the promotion rule', () => {
  const champion = figures(
    { 'credential_stuffing/low_and_slow': [83, 100], 'scraping/catalog_rotating': [47, 100] },
    { carrier_nat: [0, 2000], 'plain customers': [1, 5000] },
  );

  it('promotes a challenger no worse than the champion beyond the margin anywhere', () => {
    const challenger = figures(
      { 'credential_stuffing/low_and_slow': [80, 100], 'scraping/catalog_rotating': [97, 100] },
      { carrier_nat: [0, 2000], 'plain customers': [2, 5000] },
    );
    const v = promotionVerdict([{ name: 'held-back history', champion, challenger }]);
    expect(v.promote).toBe(true);
    expect(v.regressions).toEqual([]);
    expect(
      v.comparisons.find((c) => c.key === 'credential_stuffing/low_and_slow' && c.metric === 'recall')!.verdict,
    ).toBe('worse within margin');
    expect(v.better).toBe(2); // catalog scraping recall and stopped share
  });

  it('refuses a challenger that regresses on one style, naming it, whatever it gains elsewhere', () => {
    const challenger = figures(
      { 'credential_stuffing/low_and_slow': [41, 100], 'scraping/catalog_rotating': [100, 100] },
      { carrier_nat: [0, 2000], 'plain customers': [1, 5000] },
    );
    const v = promotionVerdict([{ name: 'held-back history', champion, challenger }]);
    expect(v.promote).toBe(false);
    expect(v.regressions.map(describeRegression)).toEqual([
      'held-back history: attack style credential_stuffing/low_and_slow recall 0.830 (83/100) → 0.410 (41/100) (margin 0.05)',
      'held-back history: attack style credential_stuffing/low_and_slow stopped 0.830 (83/100) → 0.410 (41/100) (margin 0.05)',
    ]);
  });

  it('refuses a challenger that harms a benign class in any evaluation set', () => {
    const same = figures(
      { 'credential_stuffing/low_and_slow': [83, 100], 'scraping/catalog_rotating': [47, 100] },
      { carrier_nat: [0, 2000], 'plain customers': [1, 5000] },
    );
    const harmful = figures(
      { 'credential_stuffing/low_and_slow': [90, 100], 'scraping/catalog_rotating': [90, 100] },
      { carrier_nat: [40, 2000], 'plain customers': [1, 5000] },
    );
    const v = promotionVerdict([
      { name: 'held-back history', champion, challenger: same },
      { name: 'simulated seeds', champion, challenger: harmful },
    ]);
    expect(v.promote).toBe(false);
    expect(v.regressions.map((r) => [r.set, r.key, r.metric])).toEqual([
      ['simulated seeds', 'carrier_nat', 'users affected'],
    ]);
  });
});
