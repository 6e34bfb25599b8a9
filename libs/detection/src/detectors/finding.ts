/**
 * What a detector says about one entity in one batch: a score in [0, 1] with the reasons behind it, the
 * enforcement it recommends, and what produced it (model version, rule). Findings are the detectors'
 * only output; the policy alone turns them into decisions and alerts.
 */
import type { AccessEvent } from '@vigil/events';
import type { EntityType, FeatureVector } from '@vigil/features';
import type { DecisionAction, DecisionScope, Reason, Signature } from '../records/records';

/** The entity a finding is about, in decision-scope terms (`api_key`, not `apiKey`). */
export interface FindingTarget {
  readonly scope: DecisionScope;
  readonly value: string | Signature;
}

export interface Finding {
  readonly detector: string;
  /** The entity scored: its feature-registry type and id (for a signature: `signature` and its key). */
  readonly entity: { readonly type: EntityType | 'signature'; readonly id: string };
  readonly score: number;
  /** At or above the alert threshold: worth an analyst's look. */
  readonly alert: boolean;
  /** At or above the enforcement threshold: the recommended action may be taken. */
  readonly enforce: boolean;
  readonly action: DecisionAction;
  readonly target: FindingTarget;
  /** Strongest first. */
  readonly reasons: readonly Reason[];
  /** What decided: `model` (with the model's version), or the name of a baseline rule. */
  readonly rule: string;
  readonly modelVersion: string;
  readonly manifestDigest: string | null;
  readonly thresholds: { readonly alert: number; readonly enforce: number };
  /** The feature values the score was computed from, `<entity>.<feature>` → value (for the audit trail). */
  readonly features: Readonly<Record<string, number>>;
  /** From a shadow model: recorded, never enforced. */
  readonly shadow: boolean;
  /** Facts the policy's guards read (e.g. distinct principals that logged in from this address). */
  readonly facts?: Readonly<Record<string, number>>;
}

/** One batch as the detectors see it: its events, the vectors of every entity it touched, the watermark. */
export class BatchView {
  private readonly byKey = new Map<string, FeatureVector>();
  private lastByIp: Map<string, AccessEvent> | null = null;

  constructor(
    readonly events: readonly AccessEvent[],
    readonly vectors: readonly FeatureVector[],
    readonly watermark: number,
  ) {
    for (const v of vectors) this.byKey.set(`${v.entity}\u0000${v.id}`, v);
  }

  vector(entity: EntityType, id: string): FeatureVector | undefined {
    return this.byKey.get(`${entity}\u0000${id}`);
  }

  *ofType(entity: EntityType): Iterable<FeatureVector> {
    for (const v of this.vectors) if (v.entity === entity) yield v;
  }

  /** The address's last event in this batch (indexed on first use, once per batch). */
  lastEventOf(clientIp: string): AccessEvent | undefined {
    if (!this.lastByIp) {
      this.lastByIp = new Map();
      for (const e of this.events) this.lastByIp.set(e.clientIp, e);
    }
    return this.lastByIp.get(clientIp);
  }
}

export interface Detector {
  readonly id: string;
  detect(batch: BatchView): Finding[];
  /**
   * A detector that remembers across batches (counts by login field value, ...) gives its memory as
   * plain data for a checkpoint and takes it back with `restore`; one without memory has neither.
   */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}
