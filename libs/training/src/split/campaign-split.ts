/**
 * The train/validation split, by group and never by row: every row of one attack campaign, and every row
 * of one benign entity, land on the same side, so validation measures detection of campaigns (and
 * entities) the model has never seen. Campaigns are split per style, so that each style with at least
 * two campaigns has one in validation.
 */
import { hashString } from '@vigil/simulator';
import type { Dataset } from '../dataset/dataset';

export interface CampaignSplit {
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly trainCampaigns: string[];
  readonly validationCampaigns: string[];
}

export function splitByCampaign(ds: Dataset, validationShare = 0.3, seed = 1): CampaignSplit {
  const rank = (key: string) => hashString(`${seed}:${key}`) / 0x1_0000_0000;
  const campaignsByStyle = new Map<string, Set<string>>();
  for (let r = 0; r < ds.rows; r++) {
    const c = ds.campaign(r);
    if (c === null) continue;
    const style = ds.style(r) ?? '';
    let set = campaignsByStyle.get(style);
    if (!set) campaignsByStyle.set(style, (set = new Set()));
    set.add(c);
  }
  const validationCampaigns = new Set<string>();
  const trainCampaigns = new Set<string>();
  for (const set of campaignsByStyle.values()) {
    const keys = [...set].sort((a, b) => rank(a) - rank(b));
    const n = keys.length < 2 ? 0 : Math.max(1, Math.round(keys.length * validationShare));
    keys.forEach((k, i) => (i < n ? validationCampaigns : trainCampaigns).add(k));
  }
  const inValidation = (r: number): boolean => {
    const key = ds.splitKey(r);
    if (validationCampaigns.has(key)) return true;
    if (trainCampaigns.has(key)) return false;
    return rank(key) < validationShare;
  };
  return {
    train: ds.filter((r) => !inValidation(r)),
    validation: ds.filter(inValidation),
    trainCampaigns: [...trainCampaigns].sort(),
    validationCampaigns: [...validationCampaigns].sort(),
  };
}
