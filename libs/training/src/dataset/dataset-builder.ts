/**
 * Replays events through the same feature windows as the live detector and turns every decision point
 * into a labeled row per detector.
 *
 * Decision points: events are cut into event-time ticks (`tickMs`, default 60 s — what the detector
 * scores per batch); each tick is applied to a MemoryWindowStore as one batch, and every entity of a
 * detector's primary type touched in it becomes one row, with its context entities' features from the same
 * batch (assembleInputs, shared with serving). Labels: a row is positive while its entity belongs to one of
 * the detector's campaigns, from the campaign's first request to GRACE after its last (the windows still
 * show the attack); rows in the LINGER after that are dropped (neither clearly attack nor benign); rows of
 * entities that belong to another detector's campaign are dropped (not this detector's job, not benign).
 */
import type { AccessEvent } from '@vigil/events';
import { MemoryWindowStore, type EntityType, type WindowStoreStats } from '@vigil/features';
import { assembleInputs, featureLayout, inputLayout, type InputLayout } from '@vigil/models';
import { DETECTOR_DEFINITIONS, type DetectorDefinition, type DetectorId } from '../detectors/detector-definitions';
import type { LabelIndex } from '../labels/label-index';
import { Dataset } from './dataset';
import type { RowSampling } from './row-sampling';

export const DEFAULT_TICK_MS = 60_000;
export const LABEL_GRACE_MS = 10 * 60_000;
export const LABEL_LINGER_MS = 60 * 60_000;

export interface DatasetBuilderOptions {
  readonly detectors: readonly DetectorId[];
  readonly labels: LabelIndex;
  /** Names this replay in entity and split keys (e.g. `sim7`, a file name). */
  readonly source: string;
  readonly tickMs?: number;
  /** Detector → dataset to append to (several replays into one dataset). */
  readonly into?: Map<DetectorId, Dataset>;
  /** Input layouts other than the default (evaluating a model that reads a subset, e.g. a notebook export). */
  readonly layouts?: Partial<Record<DetectorId, LayoutSpec>>;
  /** What the rows' traffic is (`history`, `simulated`), for the training mix. Default `history`. */
  readonly origin?: string;
  /** Bounds the datasets it creates (see row-sampling.ts); default: none, every row kept. */
  readonly sampling?: RowSampling | null;
}

export interface LayoutSpec {
  readonly entity: { readonly primary: EntityType; readonly context: readonly EntityType[] };
  readonly features: readonly string[];
}

export interface BuildStats {
  events: number;
  batches: number;
  /** Labeled decision points offered to the datasets (a sampled dataset keeps fewer). */
  rows: number;
  droppedRows: number;
  /** `rows` per detector. */
  rowsByDetector: Record<string, number>;
}

export function newDataset(base: DetectorDefinition, spec?: LayoutSpec, sampling: RowSampling | null = null): Dataset {
  const def: DetectorDefinition = spec
    ? {
        ...base,
        primary: spec.entity.primary,
        context: [...spec.entity.context],
        labelEntity: labelEntityOf(spec.entity.primary, base),
      }
    : base;
  const features = spec ? [...spec.features] : featureLayout(def.primary, def.context);
  return new Dataset(
    def,
    inputLayout({ entity: { primary: def.primary, context: [...def.context] }, features }),
    features,
    4096,
    sampling,
  );
}

function labelEntityOf(primary: EntityType, def: DetectorDefinition): DetectorDefinition['labelEntity'] {
  if (primary === 'ip') return 'ips';
  if (primary === 'principal') return 'principals';
  throw new Error(`${def.id}: labels name IPs and principals; a model scoring ${primary} entities cannot be evaluated`);
}

export class DatasetBuilder {
  readonly datasets: Map<DetectorId, Dataset>;
  readonly stats: BuildStats = { events: 0, batches: 0, rows: 0, droppedRows: 0, rowsByDetector: {} };
  private readonly store = new MemoryWindowStore();
  private readonly tickMs: number;
  private batch: AccessEvent[] = [];
  private tick = Number.NaN;
  private readonly plans: { def: DetectorDefinition; layout: InputLayout; ds: Dataset }[];
  private readonly origin: string;

  constructor(private readonly options: DatasetBuilderOptions) {
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.origin = options.origin ?? 'history';
    this.datasets = options.into ?? new Map();
    this.plans = options.detectors.map((id) => {
      const def = DETECTOR_DEFINITIONS[id];
      let ds = this.datasets.get(id);
      if (!ds) {
        ds = newDataset(def, options.layouts?.[id], options.sampling ?? null);
        this.datasets.set(id, ds);
      }
      return { def: ds.detector, layout: ds.layout, ds };
    });
  }

  /** Events in (roughly) event-time order; any chunking. */
  push(events: readonly AccessEvent[]): void {
    for (const e of events) {
      const t = Math.floor(e.ts / this.tickMs);
      if (t !== this.tick && this.batch.length) this.flush();
      this.tick = t;
      this.batch.push(e);
    }
  }

  /** The feature windows' size (entities, estimated bytes, evictions): bounded by TTL and their entity cap. */
  windowStats(): WindowStoreStats {
    return this.store.stats();
  }

  finish(): Map<DetectorId, Dataset> {
    if (this.batch.length) this.flush();
    return this.datasets;
  }

  private flush(): void {
    const events = this.batch;
    this.batch = [];
    // Labels that name ranges, keys or sessions learn the addresses behind them before rows are labeled.
    this.options.labels.observe(events);
    const result = this.store.applyNow(events);
    this.stats.events += events.length;
    this.stats.batches++;
    for (const { def, layout, ds } of this.plans) {
      const inputs = assembleInputs(layout, events, result.vectors);
      let offered = 0;
      for (let r = 0; r < inputs.rows; r++) {
        const meta = this.label(def, inputs.ids[r]!, inputs.at[r]!);
        if (!meta) {
          this.stats.droppedRows++;
          continue;
        }
        ds.push(inputs.raw, r * inputs.width, meta);
        this.stats.rows++;
        offered++;
      }
      this.stats.rowsByDetector[def.id] = (this.stats.rowsByDetector[def.id] ?? 0) + offered;
    }
  }

  private label(def: DetectorDefinition, id: string, at: number) {
    const labels = this.options.labels;
    const spans = labels.campaignsOf(def.labelEntity, id);
    const entityKey = `${this.options.source}|${id}`;
    let label = 0;
    let campaign: string | null = null;
    let style: string | null = null;
    let splitKey = entityKey;
    // This detector's own campaigns first: an account taken over after a stuffing run is also in the
    // stuffing campaign's principals, and the takeover is what the account's rows show.
    for (const s of spans) {
      if (!def.campaignTypes.includes(s.type)) continue;
      splitKey = s.key;
      if (at >= s.startMs && at <= s.endMs + LABEL_GRACE_MS) {
        label = 1;
        campaign = s.key;
        style = s.style;
        break;
      }
      if (at > s.endMs + LABEL_GRACE_MS && at <= s.endMs + LABEL_LINGER_MS) return null;
    }
    if (label === 0) {
      for (const s of spans) {
        if (!def.campaignTypes.includes(s.type) && at >= s.startMs && at <= s.endMs + LABEL_LINGER_MS) return null;
      }
    }
    const traps = labels.trapsOf(def.labelEntity, id, at);
    const trap = label === 0 && traps.length ? traps[0]!.trap : null;
    return { label, entityKey, at, campaign, style, trap, splitKey, origin: this.origin };
  }
}
