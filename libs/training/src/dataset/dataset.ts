/**
 * A detector's dataset: one row per decision point (an entity of the detector's primary type touched in
 * a decision batch), raw feature values in the manifest's input order, and what is known about the row:
 * its label, the campaign or trap it belongs to, and the key the train/validation split groups it by.
 *
 * A compact row store: features in one Float32Array, metadata in typed columns, strings interned
 * (about 4 × width + 31 bytes a row, against a few hundred for objects and arrays of strings). With a
 * sampling policy (`RowSampling`) its size is bounded whatever the history's length: rows of attacks are
 * all kept (up to `maxAttackRows`, beyond which the build stops and says so); benign look-alike rows are
 * all kept up to `maxLookalikeRows`, then the largest class is sampled by entity first; plain benign
 * rows — the majority — are kept up to `maxBenignRows`, then sampled by entity (`row-sampling.ts`). A
 * sampled row stands for 1/rate rows of its stratum: `weight(r)` is what the loss and the threshold
 * precision count it as.
 */
import type { InputLayout } from '@vigil/models';
import type { DetectorDefinition } from '../detectors/detector-definitions';
import { nextSampleRate, samplingHash, type RowSampling, type SamplingStatus } from './row-sampling';
import { StringTable } from './string-table';

export interface RowMeta {
  readonly label: number;
  /** `<source>|<entity id>`: one entity of one replayed log. */
  readonly entityKey: string;
  readonly at: number;
  /** Campaign key of a positive row; null otherwise. */
  readonly campaign: string | null;
  readonly style: string | null;
  readonly trap: string | null;
  /** Rows with one split key always land on the same side: a campaign, or a benign entity. */
  readonly splitKey: string;
  /** Where the row's traffic came from (`history`, `simulated`): the mix the loss is weighted by. */
  readonly origin: string;
}

/** A row's stratum: attacks (and their entities' other rows), plain benign, or a benign look-alike. */
const ATTACK = 0;
const PLAIN = 1;
const LOOKALIKE = 2;

/** Bytes a row costs besides its features: label, stratum, time, six codes, the sampling hash. */
const META_BYTES = 1 + 1 + 8 + 4 + 4 + 4 + 2 + 2 + 1 + 4;

export class RowBudgetError extends Error {
  constructor(
    readonly detector: string,
    readonly cap: number,
  ) {
    super(
      `${detector}: more than ${cap} rows of attack campaigns (rows that are never sampled): ` +
        'train on fewer hours (--from/--to) or raise --max-attack-rows',
    );
    this.name = 'RowBudgetError';
  }
}

/** Rows of one sampled stratum: how many are held and have been offered, and the rate it is sampled at. */
interface Stratum {
  rows: number;
  seen: number;
  rate: number;
}

export class Dataset {
  rows = 0;
  private capacity: number;
  private buf: Float32Array;
  private label: Uint8Array;
  private stratum: Uint8Array;
  private time: Float64Array;
  private entity: Int32Array;
  private split: Int32Array;
  private campaignCode: Int32Array;
  private styleCode: Int16Array;
  private trapCode: Int16Array;
  private originCode: Uint8Array;
  private hash: Float32Array;
  private table = new StringTable();
  /** Few distinct values: their own tables, so that their codes fit 16 and 8 bits. */
  private readonly classes = new StringTable();
  private readonly origins = new StringTable();
  private readonly plain: Stratum = { rows: 0, seen: 0, rate: 1 };
  /** Per look-alike class (its code in `classes`). */
  private readonly lookalike = new Map<number, Stratum>();
  private lookalikeRows = 0;
  private attackRows = 0;
  private compactions = 0;

  constructor(
    readonly detector: DetectorDefinition,
    readonly layout: InputLayout,
    readonly features: readonly string[],
    capacity = 4096,
    readonly sampling: RowSampling | null = null,
  ) {
    this.capacity = Math.max(16, capacity);
    this.buf = new Float32Array(this.capacity * layout.width);
    this.label = new Uint8Array(this.capacity);
    this.stratum = new Uint8Array(this.capacity);
    this.time = new Float64Array(this.capacity);
    this.entity = new Int32Array(this.capacity);
    this.split = new Int32Array(this.capacity);
    this.campaignCode = new Int32Array(this.capacity);
    this.styleCode = new Int16Array(this.capacity);
    this.trapCode = new Int16Array(this.capacity);
    this.originCode = new Uint8Array(this.capacity);
    this.hash = new Float32Array(this.capacity);
  }

  get width(): number {
    return this.layout.width;
  }

  /** Row-major rows × width (a view: copy before the dataset grows further). */
  get raw(): Float32Array {
    return this.buf.subarray(0, this.rows * this.width);
  }

  /** 0/1 per row (a view). */
  get labels(): Uint8Array {
    return this.label.subarray(0, this.rows);
  }

  /** Decision time (ms) per row (a view). */
  get at(): Float64Array {
    return this.time.subarray(0, this.rows);
  }

  entityKey(r: number): string {
    return this.table.string(this.entity[r]!);
  }

  /** A number per entity key, equal for equal keys (for grouping rows without building strings). */
  entityCode(r: number): number {
    return this.entity[r]!;
  }

  splitKey(r: number): string {
    return this.table.string(this.split[r]!);
  }

  campaign(r: number): string | null {
    return this.table.stringOrNull(this.campaignCode[r]!);
  }

  style(r: number): string | null {
    return this.classes.stringOrNull(this.styleCode[r]!);
  }

  trap(r: number): string | null {
    return this.classes.stringOrNull(this.trapCode[r]!);
  }

  origin(r: number): string {
    return this.origins.string(this.originCode[r]!);
  }

  /** The rows one row stands for: 1, or 1/rate for a benign row of a sampled stratum. */
  weight(r: number): number {
    const s = this.stratum[r];
    if (s === PLAIN) return this.plain.rate < 1 ? 1 / this.plain.rate : 1;
    if (s === LOOKALIKE) {
      const rate = this.lookalike.get(this.trapCode[r]!)!.rate;
      return rate < 1 ? 1 / rate : 1;
    }
    return 1;
  }

  /** True when some benign entities were left out (weights above 1). */
  get sampled(): boolean {
    if (this.plain.rate < 1) return true;
    for (const l of this.lookalike.values()) if (l.rate < 1) return true;
    return false;
  }

  /** A whole column as strings (specs and small datasets; a large one should read row by row). */
  column(name: 'entityKey' | 'splitKey' | 'origin'): string[];
  column(name: 'campaign' | 'style' | 'trap'): (string | null)[];
  column(name: 'entityKey' | 'splitKey' | 'origin' | 'campaign' | 'style' | 'trap'): (string | null)[] {
    return Array.from({ length: this.rows }, (_, r) => this[name](r));
  }

  /** Bytes held by the row store (its capacity, not just the rows in use). */
  get bytes(): number {
    return this.capacity * (this.width * 4 + META_BYTES);
  }

  status(): SamplingStatus {
    const lookalikes: Record<string, { rows: number; seen: number; rate: number }> = {};
    for (const [code, l] of [...this.lookalike].sort(([a], [b]) => a - b))
      lookalikes[this.classes.string(code)] = { rows: l.rows, seen: l.seen, rate: l.rate };
    return {
      rows: this.rows,
      bytes: this.bytes,
      attackRows: this.attackRows,
      benignRowsSeen: this.plain.seen,
      benignRowsKept: this.plain.rows,
      benignRate: this.plain.rate,
      lookalikeRows: this.lookalikeRows,
      lookalikes,
      compactions: this.compactions,
    };
  }

  push(values: Float32Array, offset: number, meta: RowMeta): void {
    // Attack rows: a campaign's, or its entity's other rows (grouped with the campaign by split key).
    // Look-alike: benign with a class. Plain: benign, no class, its own split key.
    const stratum =
      meta.label === 1 || meta.splitKey !== meta.entityKey ? ATTACK : meta.trap !== null ? LOOKALIKE : PLAIN;
    let h = 0;
    let lookalike: Stratum | null = null;
    const trapCode = this.classes.codeOrNull(meta.trap);
    if (this.sampling) {
      if (stratum === ATTACK) {
        if (this.attackRows >= this.sampling.maxAttackRows)
          throw new RowBudgetError(this.detector.id, this.sampling.maxAttackRows);
      } else {
        const s = stratum === PLAIN ? this.plain : this.lookalikeStratum(trapCode);
        s.seen++;
        h = samplingHash(this.sampling.seed, meta.entityKey);
        if (h >= s.rate) return;
        if (stratum === LOOKALIKE) lookalike = s;
      }
    }
    if (this.rows === this.capacity) this.grow();
    const r = this.rows++;
    const w = this.width;
    this.buf.set(values.subarray(offset, offset + w), r * w);
    this.label[r] = meta.label;
    this.stratum[r] = stratum;
    this.time[r] = meta.at;
    this.entity[r] = this.table.code(meta.entityKey);
    this.split[r] = this.table.code(meta.splitKey);
    this.campaignCode[r] = this.table.codeOrNull(meta.campaign);
    this.styleCode[r] = this.classes.codeOrNull(meta.style);
    this.trapCode[r] = trapCode;
    this.originCode[r] = this.origins.code(meta.origin);
    this.hash[r] = h;
    this.count(stratum, trapCode, 1);
    if (!this.sampling) return;
    if (stratum === PLAIN && this.plain.rows > this.sampling.maxBenignRows) this.resamplePlain();
    else if (lookalike && this.lookalikeRows > this.sampling.maxLookalikeRows) this.resampleLookalikes();
  }

  /** A new dataset with the rows where `keep` holds (the same rates and weights, no further sampling). */
  filter(keep: (r: number) => boolean): Dataset {
    const out = new Dataset(this.detector, this.layout, this.features, Math.max(16, this.rows));
    const raw = this.raw;
    for (let r = 0; r < this.rows; r++) {
      if (keep(r)) out.push(raw, r * this.width, this.meta(r));
    }
    out.plain.rate = this.plain.rate;
    for (const [code, l] of this.lookalike) {
      const c = out.classes.code(this.classes.string(code));
      const o = out.lookalike.get(c);
      if (o) o.rate = l.rate;
    }
    return out;
  }

  meta(r: number): RowMeta {
    return {
      label: this.label[r]!,
      entityKey: this.entityKey(r),
      at: this.time[r]!,
      campaign: this.campaign(r),
      style: this.style(r),
      trap: this.trap(r),
      splitKey: this.splitKey(r),
      origin: this.origin(r),
    };
  }

  positives(): number {
    let n = 0;
    for (let r = 0; r < this.rows; r++) n += this.label[r]!;
    return n;
  }

  private lookalikeStratum(code: number): Stratum {
    let s = this.lookalike.get(code);
    if (!s) this.lookalike.set(code, (s = { rows: 0, seen: 0, rate: 1 }));
    return s;
  }

  /** Held rows by stratum (every dataset counts; only a sampled one acts on the counts). */
  private count(stratum: number, trapCode: number, n: number): void {
    if (stratum === ATTACK) this.attackRows += n;
    else if (stratum === PLAIN) this.plain.rows += n;
    else {
      this.lookalikeStratum(trapCode).rows += n;
      this.lookalikeRows += n;
    }
  }

  private grow(): void {
    // 1.5×: a doubling holds up to twice the rows in use, and the old and new arrays together 3× while
    // it copies.
    const grown = Math.ceil(this.capacity * 1.5);
    const s = this.sampling;
    const cap = s ? Math.min(grown, s.maxBenignRows + s.maxLookalikeRows + s.maxAttackRows + 2) : grown;
    const next = Math.max(cap, this.capacity + 1);
    const widen = <T extends Float32Array | Float64Array | Int32Array | Int16Array | Uint8Array>(
      a: T,
      n: number,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.buf = widen(this.buf, next * this.width, (n) => new Float32Array(n));
    this.label = widen(this.label, next, (n) => new Uint8Array(n));
    this.stratum = widen(this.stratum, next, (n) => new Uint8Array(n));
    this.time = widen(this.time, next, (n) => new Float64Array(n));
    this.entity = widen(this.entity, next, (n) => new Int32Array(n));
    this.split = widen(this.split, next, (n) => new Int32Array(n));
    this.campaignCode = widen(this.campaignCode, next, (n) => new Int32Array(n));
    this.styleCode = widen(this.styleCode, next, (n) => new Int16Array(n));
    this.trapCode = widen(this.trapCode, next, (n) => new Int16Array(n));
    this.originCode = widen(this.originCode, next, (n) => new Uint8Array(n));
    this.hash = widen(this.hash, next, (n) => new Float32Array(n));
    this.capacity = next;
  }

  /** Plain benign rows over their cap: a lower rate that keeps `refill` of it (row-sampling.ts). */
  private resamplePlain(): void {
    const target = Math.floor(this.sampling!.maxBenignRows * this.sampling!.refill);
    this.plain.rate = nextSampleRate(
      this.entitiesOf((r) => this.stratum[r] === PLAIN),
      target,
      this.plain.rate,
    );
    this.compact();
  }

  /**
   * Look-alike rows over their cap: the largest class is sampled first, down to what brings all of them
   * back to `refill` of the cap (a small class — a few monitors, a crawler — keeps every entity while a
   * carrier's NAT pool is thinned); again for the next largest if that was not enough.
   */
  private resampleLookalikes(): void {
    const s = this.sampling!;
    const target = Math.floor(s.maxLookalikeRows * s.refill);
    for (let guard = 0; guard < this.lookalike.size && this.lookalikeRows > target; guard++) {
      let code = -1;
      let largest: Stratum | null = null;
      for (const [c, l] of this.lookalike)
        if (!largest || l.rows > largest.rows) {
          code = c;
          largest = l;
        }
      const keep = Math.max(0, largest!.rows - (this.lookalikeRows - target));
      const entities = this.entitiesOf((r) => this.stratum[r] === LOOKALIKE && this.trapCode[r] === code);
      largest!.rate = nextSampleRate(entities, keep, largest!.rate);
      this.compact();
    }
  }

  /** (hash, rows) of each entity among the rows where `of` holds. */
  private entitiesOf(of: (r: number) => boolean): { hash: number; rows: number }[] {
    const perEntity = new Map<number, { hash: number; rows: number }>();
    for (let r = 0; r < this.rows; r++) {
      if (!of(r)) continue;
      const e = perEntity.get(this.entity[r]!);
      if (e) e.rows++;
      else perEntity.set(this.entity[r]!, { hash: this.hash[r]!, rows: 1 });
    }
    return [...perEntity.values()];
  }

  /**
   * Drops, in place, the sampled rows whose entity's hash is no longer below its stratum's rate, and
   * rebuilds the string table so that the keys of dropped entities are not held either.
   */
  private compact(): void {
    const table = new StringTable();
    const recode = new Map<number, number>();
    const keep = (code: number) => {
      let c = recode.get(code);
      if (c === undefined) recode.set(code, (c = table.code(this.table.string(code))));
      return c;
    };
    const w = this.width;
    let k = 0;
    for (let r = 0; r < this.rows; r++) {
      const st = this.stratum[r]!;
      if (st !== ATTACK) {
        const rate = st === PLAIN ? this.plain.rate : this.lookalike.get(this.trapCode[r]!)!.rate;
        if (this.hash[r]! >= rate) {
          this.count(st, this.trapCode[r]!, -1);
          continue;
        }
      }
      if (k !== r) {
        this.buf.copyWithin(k * w, r * w, (r + 1) * w);
        this.label[k] = this.label[r]!;
        this.stratum[k] = st;
        this.time[k] = this.time[r]!;
        this.styleCode[k] = this.styleCode[r]!;
        this.trapCode[k] = this.trapCode[r]!;
        this.originCode[k] = this.originCode[r]!;
        this.hash[k] = this.hash[r]!;
      }
      this.entity[k] = keep(this.entity[r]!);
      this.split[k] = keep(this.split[r]!);
      this.campaignCode[k] = this.campaignCode[r]! < 0 ? -1 : keep(this.campaignCode[r]!);
      k++;
    }
    this.rows = k;
    this.table = table;
    this.compactions++;
  }
}
