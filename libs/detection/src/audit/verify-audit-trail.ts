/**
 * Verifies an audit trail line by line in constant memory (a multi-GB trail streams through), stopping at
 * the first line that breaks it. Per line: the hash frame and the hash of the line's bytes, then its JSON
 * and fields, `seq` = previous + 1, `prev` = previous hash, and per kind: `start` only as line 1 (its
 * `keyId` against the given key), `resume` and `checkpoint` of the same trail and key, a checkpoint's
 * `fromSeq`/`records` against the lines counted and its MAC (with the key), and no more than
 * `checkpointEvery` lines without a checkpoint.
 *
 * Without a key only the chain is checked: anyone can recompute a chain after an edit, so such a result
 * says the file is self-consistent, not that it is what the writer wrote.
 */
import type { KeyObject } from 'node:crypto';
import {
  AUDIT_FORMAT,
  AUDIT_RECORD_KINDS,
  auditKeyId,
  auditKeyObject,
  checkpointMacMatches,
  GENESIS_PREV,
  isHex64,
  unsealLine,
  type AuditKey,
  type AuditRecordKind,
} from './audit-record';

export const AUDIT_BREAK_REASONS = [
  /** Not a sealed JSON line of a known kind with its fields (blank, cut, garbage). */
  'malformed',
  /** Line 1 is not a start record: the head was cut off, or this is not a trail. */
  'start_missing',
  /** The line's bytes do not hash to its `hash`: the line was edited. */
  'hash_mismatch',
  /** `seq` is not the previous + 1: a line was deleted, inserted or moved. */
  'seq_gap',
  /** `prev` is not the previous line's hash: the line before was replaced, or this one put elsewhere. */
  'prev_mismatch',
  /** A resume or checkpoint line of another trail. */
  'trail_mismatch',
  /** The trail was keyed with another key than the one given (or a line names another key id). */
  'key_mismatch',
  /** A checkpoint's MAC is not the key's (forged), or its counts do not match the lines before it. */
  'checkpoint_mismatch',
  /** More than `checkpointEvery` lines without a checkpoint: checkpoints were removed. */
  'checkpoint_missing',
] as const;
export type AuditBreakReason = (typeof AUDIT_BREAK_REASONS)[number];

export interface AuditBreak {
  /** 1-based line number in the input. */
  readonly line: number;
  /** The line's `seq` when it could be read. */
  readonly seq: number | null;
  readonly reason: AuditBreakReason;
  readonly detail: string;
}

export interface AuditVerifyOptions {
  /** The trail key; without one, checkpoints' MACs are not checked (`checkpointsVerified: false`). */
  readonly key?: AuditKey | null;
}

export interface AuditVerification {
  /** No break found (with a key: every checkpoint's MAC verified too). */
  readonly ok: boolean;
  readonly lines: number;
  /** decision + alert lines. */
  readonly records: number;
  readonly decisions: number;
  readonly alerts: number;
  /** start + resume lines. */
  readonly sessions: number;
  readonly checkpoints: number;
  readonly checkpointsVerified: boolean;
  /**
   * Lines after the last checkpoint. 0 for a trail its writer closed; otherwise a writer still running or
   * one that stopped without closing — or a cut tail. Those lines are chained but no key vouches for them.
   */
  readonly uncheckpointedTail: number;
  readonly trailId: string | null;
  /** The last line that verified. */
  readonly head: { readonly line: number; readonly seq: number; readonly hash: string } | null;
  /** The last checkpoint that verified: keep it elsewhere to detect a trail cut right after it. */
  readonly lastCheckpoint: { readonly line: number; readonly seq: number; readonly hash: string } | null;
  readonly firstBreak: AuditBreak | null;
}

interface TrailIdentity {
  readonly trailId: string;
  readonly keyId: string;
  readonly checkpointEvery: number;
}

type Parsed = Record<string, unknown> & { seq: number; kind: AuditRecordKind; prev: string };

export class AuditVerifier {
  private readonly key: KeyObject | null;
  private readonly givenKeyId: string | null;
  private lineNo = 0;
  private expectedSeq = 0;
  private prevHash = GENESIS_PREV;
  private lastCheckpointSeq = -1;
  private trail: TrailIdentity | null = null;
  private anchorNext = false;
  private broken: AuditBreak | null = null;
  private counts = { decision: 0, alert: 0, sessions: 0, checkpoint: 0 };
  private headLine: AuditVerification['head'] = null;
  private checkpointLine: AuditVerification['lastCheckpoint'] = null;

  constructor(options: AuditVerifyOptions = {}) {
    this.key = options.key == null ? null : auditKeyObject(options.key);
    this.givenKeyId = this.key ? auditKeyId(this.key) : null;
  }

  /** Checks the next line; returns the first break (again on every later call) or null. */
  push(line: string): AuditBreak | null {
    if (this.broken) return this.broken;
    this.lineNo++;
    this.broken = this.check(line);
    return this.broken;
  }

  /**
   * For a writer resuming from a trail's tail: after the start line, the next line pushed is a checkpoint
   * somewhere in the trail, taken as the anchor (its MAC, which needs the key, vouches for the chain
   * before it) instead of following from the line before.
   */
  anchorAtNextLine(): void {
    if (!this.key) throw new Error('anchoring on a checkpoint needs the key');
    this.anchorNext = true;
  }

  result(): AuditVerification {
    const firstBreak = this.broken ?? (this.lineNo === 0 ? this.at(null, 'start_missing', 'the trail is empty') : null);
    return {
      ok: firstBreak === null,
      lines: this.lineNo,
      records: this.counts.decision + this.counts.alert,
      decisions: this.counts.decision,
      alerts: this.counts.alert,
      sessions: this.counts.sessions,
      checkpoints: this.counts.checkpoint,
      checkpointsVerified: this.key !== null,
      uncheckpointedTail: this.headLine ? this.headLine.seq - this.lastCheckpointSeq : 0,
      trailId: this.trail?.trailId ?? null,
      head: this.headLine,
      lastCheckpoint: this.checkpointLine,
      firstBreak,
    };
  }

  private check(line: string): AuditBreak | null {
    if (line.length === 0) return this.at(null, 'malformed', 'a blank line');
    const sealed = unsealLine(line);
    if (!sealed) return this.at(leadingSeq(line), 'malformed', 'no `,"hash":"<64 hex>"}` at the end of the line');
    if (sealed.computed !== sealed.stored) {
      return this.at(
        leadingSeq(line),
        'hash_mismatch',
        `the line hashes to ${sealed.computed}, it says ${sealed.stored}: it was edited`,
      );
    }
    const r = parse(line);
    if (typeof r === 'string') return this.at(leadingSeq(line), 'malformed', r);
    const anchoring = this.anchorNext;
    this.anchorNext = false;
    if (!anchoring) {
      if (this.lineNo === 1 && r.kind !== 'start') {
        return this.at(r.seq, 'start_missing', `line 1 is a ${r.kind} record, not the trail's start`);
      }
      if (r.seq !== this.expectedSeq) {
        return this.at(
          r.seq,
          'seq_gap',
          `expected seq ${this.expectedSeq}, found ${r.seq}: a line was deleted, inserted or moved`,
        );
      }
      if (r.prev !== this.prevHash) {
        return this.at(r.seq, 'prev_mismatch', `prev is ${r.prev}, the line before hashes to ${this.prevHash}`);
      }
    } else if (r.kind !== 'checkpoint') {
      return this.at(r.seq, 'malformed', `a resumed trail's tail must begin at a checkpoint, not a ${r.kind} record`);
    }
    const kindBreak = this.checkKind(r, line, anchoring);
    if (kindBreak) return kindBreak;

    if (r.kind === 'checkpoint') {
      this.lastCheckpointSeq = r.seq;
      this.checkpointLine = { line: this.lineNo, seq: r.seq, hash: sealed.stored };
      this.counts.checkpoint++;
    } else {
      const since = r.seq - this.lastCheckpointSeq;
      const every = this.trail!.checkpointEvery;
      if (since > every) {
        return this.at(
          r.seq,
          'checkpoint_missing',
          `${since} lines since the last checkpoint (seq ${this.lastCheckpointSeq}); the trail checkpoints every ${every}: checkpoints were removed`,
        );
      }
      if (r.kind === 'decision' || r.kind === 'alert') this.counts[r.kind]++;
      else this.counts.sessions++;
    }
    this.expectedSeq = r.seq + 1;
    this.prevHash = sealed.stored;
    this.headLine = { line: this.lineNo, seq: r.seq, hash: sealed.stored };
    return null;
  }

  private checkKind(r: Parsed, line: string, anchoring: boolean): AuditBreak | null {
    switch (r.kind) {
      case 'start': {
        if (this.lineNo !== 1)
          return this.at(r.seq, 'malformed', 'a start record after line 1 (two trails in one file?)');
        if (r['format'] !== AUDIT_FORMAT)
          return this.at(r.seq, 'malformed', `format ${String(r['format'])}, this verifier reads ${AUDIT_FORMAT}`);
        const trailId = r['trailId'];
        const keyId = r['keyId'];
        const every = r['checkpointEvery'];
        if (
          typeof trailId !== 'string' ||
          typeof keyId !== 'string' ||
          !Number.isSafeInteger(every) ||
          (every as number) < 1
        ) {
          return this.at(r.seq, 'malformed', 'a start record needs trailId, keyId and a positive checkpointEvery');
        }
        if (this.givenKeyId !== null && keyId !== this.givenKeyId) {
          return this.at(
            r.seq,
            'key_mismatch',
            `the trail was keyed with key id ${keyId}, the key given has id ${this.givenKeyId}`,
          );
        }
        this.trail = { trailId, keyId, checkpointEvery: every as number };
        return null;
      }
      case 'resume':
        return this.checkSameTrail(r);
      case 'decision':
      case 'alert':
        if (
          typeof r['eventTs'] !== 'number' ||
          typeof r['wallTs'] !== 'number' ||
          !isObject(r['record']) ||
          !isObject(r['inputs'])
        ) {
          return this.at(r.seq, 'malformed', `a ${r.kind} record needs eventTs, wallTs, record and inputs`);
        }
        return null;
      case 'checkpoint': {
        const sameTrail = this.checkSameTrail(r);
        if (sameTrail) return sameTrail;
        const fromSeq = r['fromSeq'];
        const records = r['records'];
        if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(records) || !isHex64(r['mac'])) {
          return this.at(r.seq, 'malformed', 'a checkpoint needs fromSeq, records and mac');
        }
        const expectedFrom = this.lastCheckpointSeq + 1;
        if ((!anchoring && fromSeq !== expectedFrom) || records !== r.seq - (fromSeq as number)) {
          return this.at(
            r.seq,
            'checkpoint_mismatch',
            `the checkpoint covers seq ${String(fromSeq)} (${String(records)} lines), the lines before it run from seq ${anchoring ? fromSeq : expectedFrom} (${r.seq - (anchoring ? (fromSeq as number) : expectedFrom)} lines)`,
          );
        }
        if (this.key) {
          const matches = checkpointMacMatches(line, this.key);
          if (matches === null)
            return this.at(r.seq, 'malformed', 'a checkpoint line needs `,"mac":"<64 hex>"` before its hash');
          if (!matches)
            return this.at(
              r.seq,
              'checkpoint_mismatch',
              "the checkpoint's MAC is not the key's: the chain before it was rewritten, or the checkpoint forged",
            );
        }
        return null;
      }
    }
  }

  private checkSameTrail(r: Parsed): AuditBreak | null {
    const trail = this.trail!;
    if (r['trailId'] !== trail.trailId) {
      return this.at(
        r.seq,
        'trail_mismatch',
        `a ${r.kind} record of trail ${String(r['trailId'])} in trail ${trail.trailId}`,
      );
    }
    if (r['keyId'] !== trail.keyId) {
      return this.at(
        r.seq,
        'key_mismatch',
        `a ${r.kind} record with key id ${String(r['keyId'])}, the trail's is ${trail.keyId}`,
      );
    }
    return null;
  }

  private at(seq: number | null, reason: AuditBreakReason, detail: string): AuditBreak {
    return { line: Math.max(this.lineNo, 1), seq, reason, detail };
  }
}

/** Verifies a whole trail, given as its lines (without newlines), streaming; stops at the first break. */
export async function verifyAuditTrail(
  lines: AsyncIterable<string> | Iterable<string>,
  options: AuditVerifyOptions = {},
): Promise<AuditVerification> {
  const verifier = new AuditVerifier(options);
  for await (const line of lines) {
    if (verifier.push(line)) break;
  }
  return verifier.result();
}

const KINDS: ReadonlySet<string> = new Set(AUDIT_RECORD_KINDS);

/** The parsed line with its frame fields checked, or why it is malformed. */
function parse(line: string): Parsed | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (!isObject(value)) return 'not a JSON object';
  const { seq, kind, prev } = value;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return 'seq is not a non-negative integer';
  if (typeof kind !== 'string' || !KINDS.has(kind)) return `unknown kind ${String(kind)}`;
  if (!isHex64(prev)) return 'prev is not 64 hex digits';
  return value as Parsed;
}

/** The seq of a line that cannot be parsed, when its frame's start survived. */
function leadingSeq(line: string): number | null {
  const m = /^\{"seq":(\d{1,15}),/.exec(line);
  return m ? Number(m[1]) : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
