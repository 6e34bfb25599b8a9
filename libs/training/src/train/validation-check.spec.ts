import { splitByTime } from '../split/time-split';
import { datasetOf } from '../test-builders';
import { countValidation, describeThin, groupFindings, thinValidation, ThinValidationError } from './validation-check';

const H = 3_600_000;

describe('thin validation', () => {
  const ds = datasetOf([
    // Two burst campaigns in validation (after 2 h), one low-and-slow campaign only in training.
    ...[1, 2, 3, 4].map((i) => ({ entity: `h|10.0.0.${i}`, at: 2.5 * H, campaign: 'soc:b1', style: 'burst' })),
    ...[5, 6].map((i) => ({ entity: `h|10.0.0.${i}`, at: 2.6 * H, campaign: 'soc:b2', style: 'burst' })),
    ...[7, 8, 9].map((i) => ({ entity: `h|10.0.1.${i}`, at: 0.5 * H, campaign: 'soc:l1', style: 'low_and_slow' })),
    ...Array.from({ length: 150 }, (_, i) => ({ entity: `h|81.2.${i}.1`, at: 2.2 * H })),
    { entity: 'h|31.94.0.1', at: 2.3 * H, trap: 'carrier_nat' },
  ]);
  const split = splitByTime(ds, { mode: 'time', cutMs: 2 * H, validationShare: 0.3, seed: 1 });

  it('counts campaigns and entities per style on each side', () => {
    const c = countValidation('credential-stuffing', split);
    expect(c.byStyle).toEqual([
      { style: 'burst', trainCampaigns: 0, validationCampaigns: 2, trainEntities: 0, validationEntities: 6 },
      { style: 'low_and_slow', trainCampaigns: 1, validationCampaigns: 0, trainEntities: 3, validationEntities: 0 },
    ]);
    expect(c.validationPositiveEntities).toBe(6);
    expect(c.validationBenignEntities).toBe(151);
    expect(c.lookalikes.validation).toEqual({ carrier_nat: 1 });
  });

  it('names the detector, the style and the count that fall short', () => {
    const thin = thinValidation(countValidation('credential-stuffing', split));
    expect(thin.map(describeThin)).toEqual([
      'credential-stuffing, style low_and_slow: 0 validation campaigns (needs 2)',
      'credential-stuffing, style low_and_slow: 0 attacking validation entities (needs 3)',
      'credential-stuffing: 6 attacking validation entities (needs 10)',
    ]);
    expect(groupFindings(thin)[0]).toBe(
      'credential-stuffing, style low_and_slow: 0 validation campaigns (needs 2), 0 attacking validation entities (needs 3)',
    );
    expect(new ThinValidationError(thin).message).toMatch(/--accept-thin-validation/);
  });

  it('passes when every style and the detector have enough', () => {
    const c = countValidation('credential-stuffing', split);
    expect(
      thinValidation(c, { campaignsPerStyle: 0, entitiesPerStyle: 0, entitiesPerDetector: 6, benignEntities: 151 }),
    ).toEqual([]);
  });
});
