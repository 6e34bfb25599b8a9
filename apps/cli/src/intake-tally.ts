/**
 * What a run read, counted as it goes: records, events, blank lines, bytes, and dead letters by reason,
 * written to a file that is opened on the first one (a clean run leaves no empty file behind).
 */
import { NdjsonWriter, type PooledBatch } from '@vigil/connectors';
import type { DeadLetterReason } from '@vigil/events';

export type IntakeBatch = Pick<PooledBatch, 'records' | 'blankLines' | 'bytesRead' | 'deadLetters'>;

export class IntakeTally {
  records = 0;
  events = 0;
  deadLettered = 0;
  blankLines = 0;
  /** Bytes read from the input so far. */
  bytes = 0;
  readonly reasons: Partial<Record<DeadLetterReason, number>> = {};
  private out: NdjsonWriter | null = null;

  /** `deadLetterPath` null: dead letters are only counted. `append`: keep what the file holds. */
  constructor(
    private readonly deadLetterPath: string | null,
    private readonly append = false,
  ) {}

  /** Where dead letters went, or null when there were none (or no file was asked for). */
  get deadLetterOut(): string | null {
    return this.out ? this.deadLetterPath : null;
  }

  async take(batch: IntakeBatch, eventCount: number): Promise<void> {
    this.records += batch.records;
    this.blankLines += batch.blankLines;
    this.bytes = batch.bytesRead;
    this.events += eventCount;
    if (!batch.deadLetters.length) return;
    for (const d of batch.deadLetters) this.reasons[d.reason] = (this.reasons[d.reason] ?? 0) + 1;
    this.deadLettered += batch.deadLetters.length;
    if (this.deadLetterPath === null) return;
    this.out ??= NdjsonWriter.open(this.deadLetterPath, { append: this.append });
    for (const d of batch.deadLetters) this.out.write(d);
    await this.out.flush();
  }

  async close(): Promise<void> {
    await this.out?.close();
  }
}
