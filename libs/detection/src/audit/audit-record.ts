/**
 * The audit trail format, `vigil-audit/1`: one JSON object per line (NDJSON), each line sealed by a
 * SHA-256 and chained to the line before it, with keyed checkpoints.
 *
 * Every line has the same frame, keys in this order:
 *
 *   {"seq":N,"kind":K, …kind's fields…, "prev":"<64 hex>","hash":"<64 hex>"}
 *
 * - `seq`: 0 for the first line, +1 per line, across every kind and every session of the trail.
 * - `prev`: the previous line's `hash`; the first line's is 64 zeros.
 * - `hash`: SHA-256 (lower-case hex) of the line's own bytes without its `,"hash":"…"` member, i.e. of
 *   `line.slice(0, -75) + '}'`. It covers every byte before it, `prev` included, so editing any byte of a
 *   line breaks that line's hash, and deleting, inserting or swapping lines breaks `seq` and `prev`.
 *
 * Kinds and their fields (between `kind` and `prev`, in this order):
 *
 * - `start`, only as line 1: `wallTs`, `trailId`, `format` ("vigil-audit/1"), `keyId`, `checkpointEvery`,
 *   `configDigest`.
 * - `resume`, first line of each later session appending to the same file: `wallTs`, `trailId`, `keyId`,
 *   `configDigest` (of that session's config).
 * - `decision` and `alert`, one per decision or alert: `eventTs` (event time, ms), `wallTs` (ms), `record`
 *   (the Decision or Alert, the same fields as its line in the decisions/alerts file), `inputs`
 *   (`features`: `<entity>.<feature>` → value, and optionally `entities`, `signals`), `model`
 *   (`{detector, version, manifestDigest}`, or null for a detector without a model), `thresholds`
 *   (name → value, as applied), `policyRule` (the rule that chose the action), `configDigest`.
 * - `checkpoint`: `wallTs`, `trailId`, `keyId`, `fromSeq` (first seq after the previous checkpoint, 0 for
 *   the first), `records` (lines since then: seq - fromSeq), then `mac` just before `hash`:
 *   HMAC-SHA256 under the trail key of the checkpoint's bytes up to and including `prev` (closed with `}`).
 *   Since `prev` commits to every earlier line, the MAC vouches for the whole chain up to it. Written after
 *   every `checkpointEvery` non-checkpoint lines and when a writer closes, so a verifier also refuses a
 *   run of more than `checkpointEvery` lines without one.
 *
 * Why keyed checkpoints: anyone can recompute a plain hash chain after an edit; without the key nobody can
 * produce the checkpoints that follow it, and dropping them leaves a run without checkpoints. What no
 * chain shows is a trail cut right after a checkpoint: compare the verifier's last checkpoint with one
 * kept elsewhere (the compliance report records it).
 *
 * Nested values (`record`, `inputs`, `model`, `thresholds`) are canonical JSON (sorted keys, see
 * canonical-json.ts). `keyId` is the first 16 hex digits of HMAC-SHA256(key, "vigil-audit/1 key id"): it
 * names the key without revealing it, so a verifier given another key says so instead of "tampered".
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Alert, Decision } from '../records/records';
import { canonicalJson, sha256Hex } from './canonical-json';

export const AUDIT_FORMAT = 'vigil-audit/1';
export const GENESIS_PREV = '0'.repeat(64);
export const DEFAULT_CHECKPOINT_EVERY = 1000;

export const AUDIT_RECORD_KINDS = ['start', 'resume', 'decision', 'alert', 'checkpoint'] as const;
export type AuditRecordKind = (typeof AUDIT_RECORD_KINDS)[number];

/** The trail key: the bytes of a Buffer, or a string's UTF-8 bytes. */
export type AuditKey = string | Uint8Array;

export interface AuditEntity {
  readonly type: string;
  readonly value: string;
}

export interface AuditInputs {
  /** The feature values the score was computed from, `<entity>.<feature>` → value (null: absent). */
  readonly features: Readonly<Record<string, number | null>>;
  /** The entities those features describe: the primary one first, then context entities. */
  readonly entities?: readonly AuditEntity[];
  /** Inputs that are not registry features (a signature's lift, a rule's counter). */
  readonly signals?: Readonly<Record<string, number | string | boolean | null>>;
}

export interface AuditModel {
  readonly detector: string;
  readonly version: string;
  /** SHA-256 of the model manifest (`canonicalDigest(manifest)`). */
  readonly manifestDigest: string;
}

/** Threshold name → the value applied (`alert`, `block`, a baseline multiple, …). */
export type AuditThresholds = Readonly<Record<string, number>>;

interface AuditEntryFields {
  /** Event time (ms) of the decision or alert; defaults to `record.ts`. */
  readonly eventTs?: number;
  readonly inputs: AuditInputs;
  readonly model: AuditModel | null;
  readonly thresholds: AuditThresholds;
  readonly policyRule: string;
  /** Defaults to the trail's config digest. */
  readonly configDigest?: string;
}

export interface DecisionAuditEntry extends AuditEntryFields {
  readonly kind: 'decision';
  readonly record: Decision;
}

export interface AlertAuditEntry extends AuditEntryFields {
  readonly kind: 'alert';
  readonly record: Alert;
}

/** What a detector hands the trail for one decision or alert. */
export type AuditEntry = DecisionAuditEntry | AlertAuditEntry;

interface ChainFields {
  readonly seq: number;
  readonly wallTs: number;
  readonly prev: string;
  readonly hash: string;
}

export interface AuditStartRecord extends ChainFields {
  readonly kind: 'start';
  readonly trailId: string;
  readonly format: typeof AUDIT_FORMAT;
  readonly keyId: string;
  readonly checkpointEvery: number;
  readonly configDigest: string;
}

export interface AuditResumeRecord extends ChainFields {
  readonly kind: 'resume';
  readonly trailId: string;
  readonly keyId: string;
  readonly configDigest: string;
}

interface AuditEntryRecordFields extends ChainFields {
  readonly eventTs: number;
  readonly inputs: AuditInputs;
  readonly model: AuditModel | null;
  readonly thresholds: AuditThresholds;
  readonly policyRule: string;
  readonly configDigest: string;
}

export interface AuditDecisionRecord extends AuditEntryRecordFields {
  readonly kind: 'decision';
  readonly record: Decision;
}

export interface AuditAlertRecord extends AuditEntryRecordFields {
  readonly kind: 'alert';
  readonly record: Alert;
}

export interface AuditCheckpointRecord extends ChainFields {
  readonly kind: 'checkpoint';
  readonly trailId: string;
  readonly keyId: string;
  readonly fromSeq: number;
  readonly records: number;
  readonly mac: string;
}

export type AuditRecord =
  AuditStartRecord | AuditResumeRecord | AuditDecisionRecord | AuditAlertRecord | AuditCheckpointRecord;

// ---- line framing ----------------------------------------------------------------------------------

const HASH_MEMBER = ',"hash":"';
const MAC_MEMBER = ',"mac":"';
/** `,"hash":"` + 64 hex + `"}` */
export const HASH_SUFFIX_LENGTH = HASH_MEMBER.length + 64 + 2;
/** `,"mac":"` + 64 hex + `"` */
const MAC_MEMBER_LENGTH = MAC_MEMBER.length + 64 + 1;
const HEX64 = /^[0-9a-f]{64}$/;

export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && s.length === 64 && HEX64.test(s);
}

/** Closes an unsealed line (`{…,"prev":"…"` without its brace) with its hash. */
export function sealLine(body: string): { readonly line: string; readonly hash: string } {
  const hash = sha256Hex(body + '}');
  return { line: `${body}${HASH_MEMBER}${hash}"}`, hash };
}

/** The stored hash and the hash of the bytes it covers, or null when the line has no hash frame. */
export function unsealLine(line: string): { readonly stored: string; readonly computed: string } | null {
  const at = line.length - HASH_SUFFIX_LENGTH;
  if (at < 1 || !line.endsWith('"}') || line.slice(at, at + HASH_MEMBER.length) !== HASH_MEMBER) return null;
  const stored = line.slice(at + HASH_MEMBER.length, line.length - 2);
  if (!isHex64(stored)) return null;
  return { stored, computed: sha256Hex(line.slice(0, at) + '}') };
}

// ---- keys and checkpoint MACs ----------------------------------------------------------------------

export function auditKeyObject(key: AuditKey): KeyObject {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length === 0) throw new RangeError('the audit key is empty');
  return createSecretKey(bytes);
}

export function auditKeyId(key: KeyObject): string {
  return createHmac('sha256', key).update(`${AUDIT_FORMAT} key id`).digest('hex').slice(0, 16);
}

function macOf(key: KeyObject, bodyThroughPrev: string): string {
  return createHmac('sha256', key)
    .update(bodyThroughPrev + '}')
    .digest('hex');
}

/** Does a sealed checkpoint line carry the MAC of `key`? Null when the line has no MAC frame. */
export function checkpointMacMatches(line: string, key: KeyObject): boolean | null {
  const macAt = line.length - HASH_SUFFIX_LENGTH - MAC_MEMBER_LENGTH;
  if (macAt < 1 || line.slice(macAt, macAt + MAC_MEMBER.length) !== MAC_MEMBER) return null;
  const stored = line.slice(macAt + MAC_MEMBER.length, macAt + MAC_MEMBER_LENGTH - 1);
  if (!isHex64(stored)) return null;
  const expected = macOf(key, line.slice(0, macAt));
  return timingSafeEqual(Buffer.from(stored, 'hex'), Buffer.from(expected, 'hex'));
}

// ---- record bodies (the writer's side; field order is the format) ----------------------------------

const str = JSON.stringify;
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

export function startBody(r: Omit<AuditStartRecord, 'hash'>): string {
  return (
    `{"seq":${r.seq},"kind":"start","wallTs":${num(r.wallTs)},"trailId":${str(r.trailId)},` +
    `"format":${str(r.format)},"keyId":${str(r.keyId)},"checkpointEvery":${r.checkpointEvery},` +
    `"configDigest":${str(r.configDigest)},"prev":"${r.prev}"`
  );
}

export function resumeBody(r: Omit<AuditResumeRecord, 'hash'>): string {
  return (
    `{"seq":${r.seq},"kind":"resume","wallTs":${num(r.wallTs)},"trailId":${str(r.trailId)},` +
    `"keyId":${str(r.keyId)},"configDigest":${str(r.configDigest)},"prev":"${r.prev}"`
  );
}

export function entryBody(r: Omit<AuditDecisionRecord, 'hash'> | Omit<AuditAlertRecord, 'hash'>): string {
  return (
    `{"seq":${r.seq},"kind":"${r.kind}","eventTs":${num(r.eventTs)},"wallTs":${num(r.wallTs)},` +
    `"record":${canonicalJson(r.record)},"inputs":${canonicalJson(r.inputs)},"model":${canonicalJson(r.model)},` +
    `"thresholds":${canonicalJson(r.thresholds)},"policyRule":${str(r.policyRule)},` +
    `"configDigest":${str(r.configDigest)},"prev":"${r.prev}"`
  );
}

/** The checkpoint's body with its MAC (the MAC covers the bytes before it). */
export function checkpointBody(
  r: Omit<AuditCheckpointRecord, 'hash' | 'mac'>,
  key: KeyObject,
): { readonly body: string; readonly mac: string } {
  const unkeyed =
    `{"seq":${r.seq},"kind":"checkpoint","wallTs":${num(r.wallTs)},"trailId":${str(r.trailId)},` +
    `"keyId":${str(r.keyId)},"fromSeq":${r.fromSeq},"records":${r.records},"prev":"${r.prev}"`;
  const mac = macOf(key, unkeyed);
  return { body: `${unkeyed}${MAC_MEMBER}${mac}"`, mac };
}
