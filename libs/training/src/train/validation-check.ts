/**
 * Is there enough validation data to set a detector's thresholds? Thresholds are chosen on the validation
 * split; with one campaign of a style there, or three attacking entities, the precision and recall they
 * were chosen for say nothing about the next campaign. This counts, per detector and attack style, the
 * campaigns and attacking entities on each side of the split, and the benign entities (and benign
 * look-alikes) in validation, and lists what falls short of the minimums — `vigil train` refuses to write
 * models then, unless told `--accept-thin-validation`.
 */
import type { Dataset } from '../dataset/dataset';
import type { CampaignSplit } from '../split/campaign-split';

export interface StyleCount {
  readonly style: string;
  readonly trainCampaigns: number;
  readonly validationCampaigns: number;
  readonly trainEntities: number;
  readonly validationEntities: number;
}

export interface ValidationCounts {
  readonly detector: string;
  readonly byStyle: readonly StyleCount[];
  readonly validationPositiveEntities: number;
  readonly validationBenignEntities: number;
  /** Benign look-alike entities (labeled traps and benign records) per class, per side. */
  readonly lookalikes: {
    readonly train: Readonly<Record<string, number>>;
    readonly validation: Readonly<Record<string, number>>;
  };
}

export interface ValidationMinimums {
  /** Validation campaigns each attack style needs. */
  readonly campaignsPerStyle: number;
  /** Attacking validation entities each style needs. */
  readonly entitiesPerStyle: number;
  /** Attacking validation entities the detector needs in all. */
  readonly entitiesPerDetector: number;
  /** Benign validation entities the detector needs (precision is measured on them). */
  readonly benignEntities: number;
}

export const DEFAULT_VALIDATION_MINIMUMS: ValidationMinimums = {
  campaignsPerStyle: 2,
  entitiesPerStyle: 3,
  entitiesPerDetector: 10,
  benignEntities: 100,
};

export interface ThinValidation {
  readonly detector: string;
  /** null: the detector as a whole. */
  readonly style: string | null;
  readonly what: 'validation campaigns' | 'attacking validation entities' | 'benign validation entities';
  readonly count: number;
  readonly need: number;
}

export function countValidation(detector: string, split: CampaignSplit): ValidationCounts {
  const train = tally(split.train);
  const val = tally(split.validation);
  const styles = [...new Set([...train.styles.keys(), ...val.styles.keys()])].sort();
  return {
    detector,
    byStyle: styles.map((style) => ({
      style,
      trainCampaigns: train.styles.get(style)?.campaigns.size ?? 0,
      validationCampaigns: val.styles.get(style)?.campaigns.size ?? 0,
      trainEntities: train.styles.get(style)?.entities.size ?? 0,
      validationEntities: val.styles.get(style)?.entities.size ?? 0,
    })),
    validationPositiveEntities: val.positives.size,
    validationBenignEntities: val.benign.size,
    lookalikes: { train: classCounts(train.lookalikes), validation: classCounts(val.lookalikes) },
  };
}

interface Tally {
  styles: Map<string, { campaigns: Set<string>; entities: Set<string> }>;
  positives: Set<string>;
  benign: Set<string>;
  lookalikes: Map<string, Set<string>>;
}

function tally(ds: Dataset): Tally {
  const t: Tally = { styles: new Map(), positives: new Set(), benign: new Set(), lookalikes: new Map() };
  for (let r = 0; r < ds.rows; r++) {
    const key = ds.entityKey(r);
    if (ds.labels[r] === 1) {
      const style = ds.style(r) ?? 'unspecified';
      let s = t.styles.get(style);
      if (!s) t.styles.set(style, (s = { campaigns: new Set(), entities: new Set() }));
      s.campaigns.add(ds.campaign(r) ?? key);
      s.entities.add(key);
      t.positives.add(key);
    } else {
      t.benign.add(key);
      const trap = ds.trap(r);
      if (trap) {
        let set = t.lookalikes.get(trap);
        if (!set) t.lookalikes.set(trap, (set = new Set()));
        set.add(key);
      }
    }
  }
  // An entity that turned attacker is not a benign entity.
  for (const k of t.positives) t.benign.delete(k);
  return t;
}

function classCounts(m: Map<string, Set<string>>): Record<string, number> {
  return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.size]));
}

export function thinValidation(
  c: ValidationCounts,
  min: ValidationMinimums = DEFAULT_VALIDATION_MINIMUMS,
): ThinValidation[] {
  const out: ThinValidation[] = [];
  for (const s of c.byStyle) {
    if (s.validationCampaigns < min.campaignsPerStyle)
      out.push({
        detector: c.detector,
        style: s.style,
        what: 'validation campaigns',
        count: s.validationCampaigns,
        need: min.campaignsPerStyle,
      });
    if (s.validationEntities < min.entitiesPerStyle)
      out.push({
        detector: c.detector,
        style: s.style,
        what: 'attacking validation entities',
        count: s.validationEntities,
        need: min.entitiesPerStyle,
      });
  }
  if (c.validationPositiveEntities < min.entitiesPerDetector)
    out.push({
      detector: c.detector,
      style: null,
      what: 'attacking validation entities',
      count: c.validationPositiveEntities,
      need: min.entitiesPerDetector,
    });
  if (c.validationBenignEntities < min.benignEntities)
    out.push({
      detector: c.detector,
      style: null,
      what: 'benign validation entities',
      count: c.validationBenignEntities,
      need: min.benignEntities,
    });
  return out;
}

/** `credential-stuffing, style low_and_slow: 0 validation campaigns (needs 2)`. */
export function describeThin(t: ThinValidation): string {
  return `${t.detector}${t.style === null ? '' : `, style ${t.style}`}: ${t.count} ${t.what} (needs ${t.need})`;
}

/** A refusal to set thresholds on too little validation data, naming each detector, style and count. */
export class ThinValidationError extends Error {
  constructor(readonly findings: readonly ThinValidation[]) {
    super(
      `too little validation data to set thresholds:\n  - ${groupFindings(findings).join('\n  - ')}\n` +
        'add history (more hours, more labeled campaigns), mix in simulated traffic (--mix-simulated), ' +
        'or accept these thresholds knowingly with --accept-thin-validation (recorded in the manifests)',
    );
    this.name = 'ThinValidationError';
  }
}

/** One line per detector and style: `scraping, style id_enumeration: 0 validation campaigns (needs 2), …`. */
export function groupFindings(findings: readonly ThinValidation[]): string[] {
  const byWho = new Map<string, string[]>();
  for (const t of findings) {
    const who = `${t.detector}${t.style === null ? '' : `, style ${t.style}`}`;
    const list = byWho.get(who) ?? [];
    list.push(`${t.count} ${t.what} (needs ${t.need})`);
    byWho.set(who, list);
  }
  return [...byWho].map(([who, what]) => `${who}: ${what.join(', ')}`);
}
