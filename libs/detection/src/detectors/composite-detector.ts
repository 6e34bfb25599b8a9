/**
 * A detector for one kind of entity made of parts: a TF.js model (optional, with an optional shadow
 * version beside it) and statistical baseline rules that catch what the model was not trained on. Every
 * part scores the same touched entities; per entity the strongest part wins and the others' reasons are
 * kept beside its own, so an analyst sees every signal that fired.
 */
import type { EntityType, FeatureVector } from '@vigil/features';
import type { DecisionAction, Reason } from '../records/records';
import type { BatchView, Detector, Finding } from './finding';
import { SCOPE_OF_ENTITY, type ModelRow, type ModelScorer } from './model-scorer';

export interface RuleResult {
  readonly score: number;
  readonly reasons: readonly Reason[];
}

/** A baseline rule: a score in [0, 1] from one entity's vector (and the batch, for context entities). */
export interface EntityRule {
  readonly name: string;
  evaluate(v: FeatureVector, batch: BatchView): RuleResult | null;
  /** Feature values the rule read, for the audit trail. */
  features(v: FeatureVector, batch: BatchView): Record<string, number>;
}

export interface CompositeDetectorOptions {
  readonly id: string;
  readonly entity: EntityType;
  readonly action: DecisionAction;
  readonly model?: ModelScorer | null;
  readonly shadowModel?: ModelScorer | null;
  readonly rules: readonly EntityRule[];
  /** Thresholds of the rules' scores (a model uses its manifest's unless the policy overrides them). */
  readonly ruleThresholds: { readonly alert: number; readonly enforce: number };
  /**
   * The entity's own evidence a model score needs before it counts (e.g. an address's own failed
   * logins): a model also reads context entities and can score an address high for what others did.
   */
  readonly modelEvidence?: (v: FeatureVector) => boolean;
  /**
   * The entity's own evidence a model score needs before it may be enforced (else it only alerts): a
   * traveller's logins look like a takeover's to a model; a run of failures before the success does not.
   */
  readonly modelEnforceEvidence?: (v: FeatureVector) => boolean;
  /** Facts the policy's guards read, per entity (e.g. successful logins from an address). */
  readonly facts?: (v: FeatureVector, batch: BatchView) => Record<string, number>;
}

export const RULES_VERSION = 'baseline-1';
const MAX_REASONS = 6;

export class CompositeDetector implements Detector {
  constructor(private readonly o: CompositeDetectorOptions) {}

  get id(): string {
    return this.o.id;
  }

  detect(batch: BatchView): Finding[] {
    const byId = new Map<string, Finding>();
    const scope = SCOPE_OF_ENTITY[this.o.entity];
    if (!scope) throw new Error(`${this.o.id}: entity ${this.o.entity} has no decision scope`);
    const base = (id: string, shadow: boolean) => ({
      detector: this.o.id,
      entity: { type: this.o.entity, id },
      action: this.o.action,
      target: { scope, value: id },
      shadow,
    });
    const out: Finding[] = [];
    const evidence = this.o.modelEvidence;
    const own = (id: string) => {
      if (!evidence) return true;
      const v = batch.vector(this.o.entity, id);
      return v !== undefined && evidence(v);
    };
    const mayEnforce = (id: string) => {
      const check = this.o.modelEnforceEvidence;
      if (!check) return true;
      const v = batch.vector(this.o.entity, id);
      return v !== undefined && check(v);
    };
    const facts = (id: string) => {
      const v = this.o.facts ? batch.vector(this.o.entity, id) : undefined;
      return v && this.o.facts ? { facts: this.o.facts(v, batch) } : {};
    };
    const modelFinding = (row: ModelRow, scorer: ModelScorer, shadow: boolean): Finding =>
      lazyReasons(
        {
          ...base(row.id, shadow),
          score: row.score,
          alert: row.alert,
          enforce: row.enforce && mayEnforce(row.id),
          rule: 'model',
          modelVersion: scorer.version,
          manifestDigest: scorer.manifestDigest,
          thresholds: scorer.thresholds,
          features: row.features,
          ...facts(row.id),
        },
        () => row.explain(),
      );
    if (this.o.model) {
      for (const row of this.o.model.score(batch, evidence ? own : undefined)) {
        byId.set(row.id, modelFinding(row, this.o.model, false));
      }
    }
    if (this.o.shadowModel) {
      for (const row of this.o.shadowModel.score(batch, evidence ? own : undefined)) {
        out.push(modelFinding(row, this.o.shadowModel, true));
      }
    }
    const t = this.o.ruleThresholds;
    for (const v of batch.ofType(this.o.entity)) {
      for (const rule of this.o.rules) {
        const r = rule.evaluate(v, batch);
        if (!r || !(r.score >= t.alert)) continue;
        const finding: Finding = {
          ...base(v.id, false),
          score: r.score,
          alert: true,
          enforce: r.score >= t.enforce,
          reasons: r.reasons,
          rule: rule.name,
          modelVersion: RULES_VERSION,
          manifestDigest: null,
          thresholds: t,
          features: rule.features(v, batch),
          ...facts(v.id),
        };
        const prev = byId.get(v.id);
        byId.set(v.id, prev ? merge(prev, finding) : finding);
      }
    }
    for (const f of byId.values()) out.push(f);
    return out;
  }
}

/**
 * A finding whose `reasons` are computed on first read (a model's explanation costs a predict call), then
 * kept. Spreading the object reads them: the policy only does so for findings that become a record.
 */
function lazyReasons(f: Omit<Finding, 'reasons'>, compute: () => readonly Reason[]): Finding {
  Object.defineProperty(f, 'reasons', {
    configurable: true,
    enumerable: true,
    get(this: Finding) {
      const reasons = compute();
      Object.defineProperty(this, 'reasons', { value: reasons, enumerable: true });
      return reasons;
    },
  });
  return f as Finding;
}

/** The stronger finding, carrying the other's reasons, features, and enforcement if either enforces. */
function merge(a: Finding, b: Finding): Finding {
  const [win, other] = rank(a) >= rank(b) ? [a, b] : [b, a];
  const seen = new Set(win.reasons.map((r) => r.feature));
  const reasons = [...win.reasons, ...other.reasons.filter((r) => !seen.has(r.feature))].slice(0, MAX_REASONS);
  return {
    ...win,
    alert: a.alert || b.alert,
    enforce: a.enforce || b.enforce,
    rule: win.rule === other.rule ? win.rule : `${win.rule}+${other.rule}`,
    reasons,
    features: { ...other.features, ...win.features },
  };
}

/** Enforcing beats alerting; then the score. */
const rank = (f: Finding): number => (f.enforce ? 2 : 1) + f.score;
