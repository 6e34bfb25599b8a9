/**
 * Evaluating a model on a labeled dataset: row-level PR-AUC; entity-level precision, recall, PR-AUC and
 * confusion at the manifest's alert and block thresholds; recall per attack style and per campaign;
 * time-to-detect (first decision point at or above the alert threshold, from the campaign's first
 * request); and alerts and blocks on each kind of benign trap. On a sampled dataset (row-sampling.ts)
 * entity-level and row-level figures count each sampled benign entity or row as the ones it stands for
 * (its weight): false positives and negatives are estimates then, and `entities.negative` too.
 */
import type { DetectorModel } from '@vigil/models';
import type { Dataset } from '../dataset/dataset';
import type { LabelIndex } from '../labels/label-index';
import { entityScores, type EntityScore } from '../metrics/entity-scores';
import { confusionAt, prAuc, type Confusion } from '../metrics/metrics';

export interface StyleResult {
  readonly entities: number;
  readonly alerted: number;
  readonly blocked: number;
  readonly recallAlert: number;
  readonly recallBlock: number;
}

export interface CampaignResult {
  readonly campaign: string;
  readonly style: string;
  readonly entities: number;
  readonly alerted: number;
  /** Seconds from the campaign's first request to its first alert; null if never alerted. */
  readonly timeToDetectSec: number | null;
}

export interface TrapResult {
  readonly entities: number;
  readonly alerts: number;
  readonly blocks: number;
}

export interface DetectorEvaluation {
  readonly detector: string;
  readonly modelVersion: string;
  readonly rows: { readonly total: number; readonly positive: number; readonly prAuc: number };
  readonly entities: {
    readonly positive: number;
    readonly negative: number;
    readonly prAuc: number;
    readonly alert: Confusion;
    readonly block: Confusion;
  };
  readonly byStyle: Readonly<Record<string, StyleResult>>;
  readonly campaigns: readonly CampaignResult[];
  readonly timeToDetect: {
    readonly campaigns: number;
    readonly detected: number;
    readonly medianSec: number | null;
    readonly p90Sec: number | null;
  };
  readonly traps: Readonly<Record<string, TrapResult>>;
}

export function scoreDataset(model: DetectorModel, ds: Dataset): Float32Array {
  return model.predict(ds.raw, ds.rows);
}

export function evaluateDetector(
  model: DetectorModel,
  ds: Dataset,
  labels: LabelIndex,
  scores: Float32Array = scoreDataset(model, ds),
): DetectorEvaluation {
  const t = model.manifest.thresholds;
  const ents = entityScores(ds, scores);
  return summarize(model.detector, model.version, ds, scores, ents, labels, t.alert.score, t.block.score);
}

export function summarize(
  detector: string,
  modelVersion: string,
  ds: Dataset,
  scores: Float32Array,
  ents: readonly EntityScore[],
  labels: LabelIndex,
  alertAt: number,
  blockAt: number,
): DetectorEvaluation {
  const es = ents.map((e) => e.score);
  const el = ents.map((e) => e.label);
  const ew = ds.sampled ? ents.map((e) => e.weight) : undefined;
  const rowWeights = ds.sampled ? Float32Array.from({ length: ds.rows }, (_, r) => ds.weight(r)) : undefined;
  const byStyle: Record<string, { entities: number; alerted: number; blocked: number }> = {};
  const byCampaign = new Map<string, { style: string; entities: number; alerted: number; first: number }>();
  const traps: Record<string, { entities: number; alerts: number; blocks: number }> = {};
  const starts = new Map(labels.spans.map((s) => [s.key, s.startMs]));
  for (const e of ents) {
    if (e.label === 1) {
      const st = (byStyle[e.style ?? '?'] ??= { entities: 0, alerted: 0, blocked: 0 });
      st.entities++;
      if (e.score >= alertAt) st.alerted++;
      if (e.score >= blockAt) st.blocked++;
      const c = e.campaign ?? '?';
      let cr = byCampaign.get(c);
      if (!cr) byCampaign.set(c, (cr = { style: e.style ?? '?', entities: 0, alerted: 0, first: Infinity }));
      cr.entities++;
      if (e.score >= alertAt) cr.alerted++;
      for (const p of e.points) if (p.score >= alertAt && p.at < cr.first) cr.first = p.at;
    } else if (e.trap) {
      const tr = (traps[e.trap] ??= { entities: 0, alerts: 0, blocks: 0 });
      tr.entities++;
      if (e.score >= alertAt) tr.alerts++;
      if (e.score >= blockAt) tr.blocks++;
    }
  }
  const campaigns: CampaignResult[] = [...byCampaign].map(([campaign, c]) => ({
    campaign,
    style: c.style,
    entities: c.entities,
    alerted: c.alerted,
    timeToDetectSec: Number.isFinite(c.first)
      ? Math.max(0, (c.first - (starts.get(campaign) ?? c.first)) / 1000)
      : null,
  }));
  campaigns.sort((a, b) => a.campaign.localeCompare(b.campaign));
  const ttd = campaigns
    .map((c) => c.timeToDetectSec)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  const positives = el.reduce((a, b) => a + b, 0);
  const negatives = ew ? ew.reduce((a, w, i) => a + (el[i] ? 0 : w), 0) : ents.length - positives;
  return {
    detector,
    modelVersion,
    rows: { total: ds.rows, positive: ds.positives(), prAuc: round(prAuc(scores, ds.labels, rowWeights)) },
    entities: {
      positive: positives,
      negative: Math.round(negatives),
      prAuc: round(prAuc(es, el, ew)),
      alert: roundConfusion(confusionAt(es, el, alertAt, ew)),
      block: roundConfusion(confusionAt(es, el, blockAt, ew)),
    },
    byStyle: Object.fromEntries(
      Object.entries(byStyle).map(([k, v]) => [
        k,
        { ...v, recallAlert: round(v.alerted / v.entities), recallBlock: round(v.blocked / v.entities) },
      ]),
    ),
    campaigns,
    timeToDetect: {
      campaigns: campaigns.length,
      detected: ttd.length,
      medianSec: ttd.length ? ttd[Math.floor((ttd.length - 1) / 2)]! : null,
      p90Sec: ttd.length ? ttd[Math.min(ttd.length - 1, Math.ceil(ttd.length * 0.9) - 1)]! : null,
    },
    traps,
  };
}

function round(x: number): number {
  return Number(x.toFixed(4));
}

function roundConfusion(c: Confusion): Confusion {
  // Weighted counts (a sampled dataset) are estimates: whole entities are what they estimate.
  return {
    ...c,
    fp: Math.round(c.fp),
    tn: Math.round(c.tn),
    threshold: round(c.threshold),
    precision: round(c.precision),
    recall: round(c.recall),
  };
}
