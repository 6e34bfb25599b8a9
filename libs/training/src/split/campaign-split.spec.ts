import { DETECTOR_DEFINITIONS } from '../detectors/detector-definitions';
import { newDataset } from '../dataset/dataset-builder';
import { splitByCampaign } from './campaign-split';

function dataset() {
  const ds = newDataset(DETECTOR_DEFINITIONS['credential-stuffing']);
  const row = new Float32Array(ds.width);
  const styles = ['datacenter_burst', 'residential_botnet', 'low_and_slow'];
  for (let c = 0; c < 12; c++) {
    const campaign = `sim${c % 3}:c${c}`;
    for (let r = 0; r < 20; r++) {
      ds.push(row, 0, {
        label: 1,
        entityKey: `sim|10.0.${c}.${r % 5}`,
        at: r,
        campaign,
        style: styles[c % 3]!,
        trap: null,
        splitKey: campaign,
        origin: 'simulated',
      });
    }
    // The same campaign's entity before it started: benign row, same split key.
    ds.push(row, 0, {
      label: 0,
      entityKey: `sim|10.0.${c}.0`,
      at: -1,
      campaign: null,
      style: null,
      trap: null,
      splitKey: campaign,
      origin: 'simulated',
    });
  }
  for (let b = 0; b < 300; b++) {
    ds.push(row, 0, {
      label: 0,
      entityKey: `sim|192.0.2.${b}`,
      at: b,
      campaign: null,
      style: null,
      trap: null,
      splitKey: `sim|192.0.2.${b}`,
      origin: 'simulated',
    });
  }
  return ds;
}

describe('splitByCampaign', () => {
  it('never puts rows of one campaign or one entity on both sides', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = splitByCampaign(dataset(), 0.3, seed);
      const trainKeys = new Set(s.train.column('splitKey'));
      expect(s.validation.column('splitKey').filter((k) => trainKeys.has(k))).toEqual([]);
      const trainEntities = new Set(s.train.column('entityKey'));
      expect(s.validation.column('entityKey').filter((k) => trainEntities.has(k))).toEqual([]);
      expect(s.trainCampaigns.filter((c) => s.validationCampaigns.includes(c))).toEqual([]);
    }
  });

  it('holds out at least one campaign of every style that has two', () => {
    const s = splitByCampaign(dataset(), 0.3, 1);
    const styles = new Set(s.validation.column('style').filter((x) => x !== null));
    expect([...styles].sort()).toEqual(['datacenter_burst', 'low_and_slow', 'residential_botnet']);
    expect(s.train.rows + s.validation.rows).toBe(dataset().rows);
  });
});
