/**
 * The train/validation split by time: validation is what happened from `cutMs` on, the way a model
 * trained today meets tomorrow's traffic. Campaigns are never cut: every row of a campaign (and of its
 * entities' rows grouped with it) goes to the side where the campaign started. Benign rows go by their
 * own time, so one NAT address is seen in training before the cut and judged in validation after it —
 * as it will be in production.
 *
 * Only rows of the history (origin `history`) are split by time; rows of simulated runs mixed in have
 * their own clocks and are split by campaign (`splitByCampaign`), so that every origin has validation.
 */
import type { Dataset } from '../dataset/dataset';
import { splitByCampaign, type CampaignSplit } from './campaign-split';

export type SplitSpec =
  | { readonly mode: 'campaign'; readonly validationShare: number; readonly seed: number }
  | {
      readonly mode: 'time';
      /** Validation from this time on; default: the last `validationShare` of the history's row times. */
      readonly cutMs?: number;
      readonly validationShare: number;
      readonly seed: number;
    };

export interface DescribedSplit extends CampaignSplit {
  readonly mode: SplitSpec['mode'];
  readonly cutMs: number | null;
}

export function splitDataset(ds: Dataset, spec: SplitSpec): DescribedSplit {
  if (spec.mode === 'campaign')
    return { ...splitByCampaign(ds, spec.validationShare, spec.seed), mode: 'campaign', cutMs: null };
  return splitByTime(ds, spec);
}

/** The time `share` of the way from the end of the history rows' span (their decision times). */
export function defaultCut(ds: Dataset, validationShare: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < ds.rows; r++) {
    if (ds.origin(r) !== 'history') continue;
    const t = ds.at[r]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (!Number.isFinite(lo)) return Infinity;
  return hi - (hi - lo) * validationShare;
}

export function splitByTime(ds: Dataset, spec: Extract<SplitSpec, { mode: 'time' }>): DescribedSplit {
  const cut = spec.cutMs ?? defaultCut(ds, spec.validationShare);
  // A campaign's side is set by its first row: its start.
  const campaignStart = new Map<string, { at: number; history: boolean }>();
  for (let r = 0; r < ds.rows; r++) {
    const c = ds.campaign(r);
    if (c === null) continue;
    const t = ds.at[r]!;
    const cur = campaignStart.get(c);
    if (cur === undefined) campaignStart.set(c, { at: t, history: ds.origin(r) === 'history' });
    else if (t < cur.at) cur.at = t;
  }
  const others = ds.filter((r) => ds.origin(r) !== 'history');
  const simSplit = others.rows ? splitByCampaign(others, spec.validationShare, spec.seed) : null;
  // Every split key lands on one side, so the validation side's keys say where each simulated row goes.
  const simValidation = new Set(simSplit?.validation.column('splitKey') ?? []);
  const inValidation = (r: number): boolean => {
    const key = ds.splitKey(r);
    if (ds.origin(r) !== 'history') return simValidation.has(key);
    const start = campaignStart.get(key);
    return start !== undefined ? start.at >= cut : ds.at[r]! >= cut;
  };
  const trainCampaigns: string[] = [];
  const validationCampaigns: string[] = [];
  for (const [c, start] of campaignStart) {
    const val = start.history ? start.at >= cut : simValidation.has(c);
    (val ? validationCampaigns : trainCampaigns).push(c);
  }
  return {
    train: ds.filter((r) => !inValidation(r)),
    validation: ds.filter(inValidation),
    trainCampaigns: trainCampaigns.sort(),
    validationCampaigns: validationCampaigns.sort(),
    mode: 'time',
    cutMs: Number.isFinite(cut) ? cut : null,
  };
}
