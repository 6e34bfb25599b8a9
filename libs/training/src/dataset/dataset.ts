/**
 * A detector's dataset: one row per decision point (an entity of the detector's primary type touched in
 * a decision batch), raw feature values in the manifest's input order, and what is known about the row:
 * its label, the campaign or trap it belongs to, and the key the train/validation split groups it by.
 */
import type { InputLayout } from '@vigil/models';
import type { DetectorDefinition } from '../detectors/detector-definitions';

export class Dataset {
  rows = 0;
  private buf: Float32Array;
  readonly labels: number[] = [];
  /** `<source>|<entity id>`: one entity of one replayed log. */
  readonly entityKeys: string[] = [];
  readonly at: number[] = [];
  /** Campaign key of a positive row; null otherwise. */
  readonly campaign: (string | null)[] = [];
  readonly style: (string | null)[] = [];
  readonly trap: (string | null)[] = [];
  /** Rows with one split key always land on the same side: a campaign, or a benign entity. */
  readonly splitKey: string[] = [];
  /** Where the row's traffic came from (`history`, `simulated`): the mix the loss is weighted by. */
  readonly origin: string[] = [];

  constructor(
    readonly detector: DetectorDefinition,
    readonly layout: InputLayout,
    readonly features: readonly string[],
    capacity = 4096,
  ) {
    this.buf = new Float32Array(capacity * layout.width);
  }

  get width(): number {
    return this.layout.width;
  }

  /** Row-major rows × width (a view: copy before the dataset grows further). */
  get raw(): Float32Array {
    return this.buf.subarray(0, this.rows * this.width);
  }

  push(
    values: Float32Array,
    offset: number,
    meta: {
      label: number;
      entityKey: string;
      at: number;
      campaign: string | null;
      style: string | null;
      trap: string | null;
      splitKey: string;
      origin: string;
    },
  ): void {
    const w = this.width;
    if ((this.rows + 1) * w > this.buf.length) {
      const next = new Float32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(values.subarray(offset, offset + w), this.rows * w);
    this.rows++;
    this.labels.push(meta.label);
    this.entityKeys.push(meta.entityKey);
    this.at.push(meta.at);
    this.campaign.push(meta.campaign);
    this.style.push(meta.style);
    this.trap.push(meta.trap);
    this.splitKey.push(meta.splitKey);
    this.origin.push(meta.origin);
  }

  /** A new dataset with the rows where `keep` holds. */
  filter(keep: (r: number) => boolean): Dataset {
    const out = new Dataset(this.detector, this.layout, this.features, Math.max(16, this.rows));
    const raw = this.raw;
    for (let r = 0; r < this.rows; r++) {
      if (!keep(r)) continue;
      out.push(raw, r * this.width, {
        label: this.labels[r]!,
        entityKey: this.entityKeys[r]!,
        at: this.at[r]!,
        campaign: this.campaign[r]!,
        style: this.style[r]!,
        trap: this.trap[r]!,
        splitKey: this.splitKey[r]!,
        origin: this.origin[r]!,
      });
    }
    return out;
  }

  positives(): number {
    let n = 0;
    for (const l of this.labels) n += l;
    return n;
  }
}
