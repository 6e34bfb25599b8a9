/**
 * The audit trail writer: one sealed, chained line per decision or alert (format in audit-record.ts),
 * a keyed checkpoint every `checkpointEvery` lines and at close. `append` is synchronous and costs one
 * canonical serialization and one SHA-256; lines are buffered by the sink until `flush()`, which the
 * caller awaits once per batch (the decisions of a batch are audited before they are emitted).
 *
 * One writer per trail: two processes appending to one file would interleave two chains. Each detector
 * instance writes its own trail (its own `trailId`).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import {
  AUDIT_FORMAT,
  auditKeyId,
  auditKeyObject,
  checkpointBody,
  DEFAULT_CHECKPOINT_EVERY,
  entryBody,
  GENESIS_PREV,
  resumeBody,
  sealLine,
  startBody,
  type AlertAuditEntry,
  type AuditAlertRecord,
  type AuditCheckpointRecord,
  type AuditDecisionRecord,
  type AuditEntry,
  type AuditKey,
  type AuditResumeRecord,
  type AuditStartRecord,
  type DecisionAuditEntry,
} from './audit-record';

/** Where sealed lines go: a file (NdjsonAuditSink), memory (tests), later a Kafka topic. */
export interface AuditSink {
  /** One line without its newline; buffered until `flush`. */
  write(line: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class MemoryAuditSink implements AuditSink {
  readonly lines: string[] = [];
  closed = false;
  write(line: string): void {
    this.lines.push(line);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A shorter key is refused: HMAC is only as strong as the guessing of its key. */
export const MIN_AUDIT_KEY_BYTES = 16;

export interface AuditTrailOptions {
  readonly key: AuditKey;
  /** Digest of the running configuration (`canonicalDigest(config)`). */
  readonly configDigest: string;
  /** New trails only; a resumed trail keeps the interval of its start record. */
  readonly checkpointEvery?: number;
  /** New trails only; default a random UUID. */
  readonly trailId?: string;
  /** Wall clock (ms), for tests. */
  readonly now?: () => number;
}

/** Where a trail's chain stands: what a resumed writer continues from. */
export interface AuditTrailHead {
  readonly trailId: string;
  readonly keyId: string;
  readonly checkpointEvery: number;
  /** seq and hash of the last line. */
  readonly seq: number;
  readonly hash: string;
  /** seq of the last checkpoint, -1 when there is none. */
  readonly lastCheckpointSeq: number;
}

export class AuditTrail {
  private seq: number;
  private hash: string;
  private lastCheckpointSeq: number;
  private closed = false;

  private constructor(
    private readonly sink: AuditSink,
    private readonly key: KeyObject,
    private readonly keyId: string,
    private readonly trailId: string,
    private readonly checkpointEvery: number,
    private readonly configDigest: string,
    private readonly now: () => number,
    head: { seq: number; hash: string; lastCheckpointSeq: number },
  ) {
    this.seq = head.seq;
    this.hash = head.hash;
    this.lastCheckpointSeq = head.lastCheckpointSeq;
  }

  /** Begins a new trail on an empty sink with its `start` line. */
  static start(sink: AuditSink, options: AuditTrailOptions): AuditTrail {
    const key = checkedKey(options.key);
    const checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) {
      throw new RangeError(`checkpointEvery must be a positive integer, not ${checkpointEvery}`);
    }
    const keyId = auditKeyId(key);
    const now = options.now ?? Date.now;
    const trail = new AuditTrail(
      sink,
      key,
      keyId,
      options.trailId ?? randomUUID(),
      checkpointEvery,
      options.configDigest,
      now,
      { seq: -1, hash: GENESIS_PREV, lastCheckpointSeq: -1 },
    );
    const start: Omit<AuditStartRecord, 'hash'> = {
      seq: 0,
      kind: 'start',
      wallTs: now(),
      trailId: trail.trailId,
      format: AUDIT_FORMAT,
      keyId,
      checkpointEvery,
      configDigest: options.configDigest,
      prev: GENESIS_PREV,
    };
    trail.emit(startBody(start));
    return trail;
  }

  /**
   * Continues a trail whose tail was verified (`openAuditTrailFile` does that) with a `resume` line.
   * Throws when the key is not the one the trail was started with: a trail has one key.
   */
  static resume(sink: AuditSink, head: AuditTrailHead, options: AuditTrailOptions): AuditTrail {
    const key = checkedKey(options.key);
    const keyId = auditKeyId(key);
    if (keyId !== head.keyId) {
      throw new Error(`audit trail ${head.trailId} was keyed with key id ${head.keyId}, this key has id ${keyId}`);
    }
    const now = options.now ?? Date.now;
    const trail = new AuditTrail(sink, key, keyId, head.trailId, head.checkpointEvery, options.configDigest, now, head);
    const resume: Omit<AuditResumeRecord, 'hash'> = {
      seq: head.seq + 1,
      kind: 'resume',
      wallTs: now(),
      trailId: head.trailId,
      keyId,
      configDigest: options.configDigest,
      prev: head.hash,
    };
    trail.emit(resumeBody(resume));
    return trail;
  }

  get head(): AuditTrailHead {
    return {
      trailId: this.trailId,
      keyId: this.keyId,
      checkpointEvery: this.checkpointEvery,
      seq: this.seq,
      hash: this.hash,
      lastCheckpointSeq: this.lastCheckpointSeq,
    };
  }

  /** Seals and writes the audit line of one decision or alert; returns the record as written. */
  append(entry: DecisionAuditEntry): AuditDecisionRecord;
  append(entry: AlertAuditEntry): AuditAlertRecord;
  append(entry: AuditEntry): AuditDecisionRecord | AuditAlertRecord;
  append(entry: AuditEntry): AuditDecisionRecord | AuditAlertRecord {
    this.assertOpen();
    const fields = {
      seq: this.seq + 1,
      eventTs: entry.eventTs ?? entry.record.ts,
      wallTs: this.now(),
      inputs: entry.inputs,
      model: entry.model,
      thresholds: entry.thresholds,
      policyRule: entry.policyRule,
      configDigest: entry.configDigest ?? this.configDigest,
      prev: this.hash,
    };
    const unsealed: Omit<AuditDecisionRecord, 'hash'> | Omit<AuditAlertRecord, 'hash'> =
      entry.kind === 'decision'
        ? { ...fields, kind: 'decision', record: entry.record }
        : { ...fields, kind: 'alert', record: entry.record };
    const hash = this.emit(entryBody(unsealed));
    return { ...unsealed, hash };
  }

  /** Writes a checkpoint now (also done every `checkpointEvery` lines and at close); null if one is last. */
  checkpoint(): AuditCheckpointRecord | null {
    this.assertOpen();
    return this.writeCheckpoint();
  }

  flush(): Promise<void> {
    return this.sink.flush();
  }

  /** Writes the closing checkpoint and closes the sink. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.writeCheckpoint();
    this.closed = true;
    await this.sink.close();
  }

  private writeCheckpoint(): AuditCheckpointRecord | null {
    if (this.lastCheckpointSeq === this.seq) return null;
    const seq = this.seq + 1;
    const fromSeq = this.lastCheckpointSeq + 1;
    const unkeyed = {
      seq,
      kind: 'checkpoint' as const,
      wallTs: this.now(),
      trailId: this.trailId,
      keyId: this.keyId,
      fromSeq,
      records: seq - fromSeq,
      prev: this.hash,
    };
    const { body, mac } = checkpointBody(unkeyed, this.key);
    this.lastCheckpointSeq = seq;
    const hash = this.emit(body, false);
    return { ...unkeyed, mac, hash };
  }

  private emit(body: string, mayCheckpoint = true): string {
    const { line, hash } = sealLine(body);
    this.sink.write(line);
    this.seq++;
    this.hash = hash;
    if (mayCheckpoint && this.seq - this.lastCheckpointSeq >= this.checkpointEvery) this.writeCheckpoint();
    return hash;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`audit trail ${this.trailId} is closed`);
  }
}

function checkedKey(key: AuditKey): KeyObject {
  const k = auditKeyObject(key);
  if (k.symmetricKeySize! < MIN_AUDIT_KEY_BYTES) {
    throw new RangeError(`the audit key has ${k.symmetricKeySize} bytes; at least ${MIN_AUDIT_KEY_BYTES} are needed`);
  }
  return k;
}
