/**
 * Decisions read back from a file: the NDJSON `vigil replay` / `vigil run --decisions` write, or a dump
 * of the detector service's decisions topic, as the usual tools print it — one value a line
 * (`kcat -C -t vigil.decisions -e`, `kafka-console-consumer`), key TAB value (`kcat -K'\t'`,
 * `kafka-console-consumer --property print.key=true`), or kcat's JSON envelope (`kcat -J`: the value in
 * `payload`, as a string). The topic is compacted and keyed `scope:value`: a tombstone (an empty or null
 * value) is counted, never an error. Every line is checked at this edge; a line that is not a decision
 * is counted with the first reason, and the caller says so.
 */
import { createInterface } from 'node:readline';
import { openInput } from '@vigil/connectors';
import { DECISION_ACTIONS, DECISION_SCOPES, type Decision } from '@vigil/detection';

export type DecisionLine =
  | { readonly kind: 'decision'; readonly decision: Decision }
  | { readonly kind: 'tombstone' }
  | { readonly kind: 'blank' }
  | { readonly kind: 'unreadable'; readonly reason: string };

const ACTIONS: ReadonlySet<string> = new Set(DECISION_ACTIONS);
const SCOPES: ReadonlySet<string> = new Set(DECISION_SCOPES);

/** The fields `Decision` requires, with their types: what makes a line a decision. */
function decisionProblem(o: Record<string, unknown>): string | null {
  if (typeof o['id'] !== 'string') return 'no string id';
  if (typeof o['ts'] !== 'number') return 'no numeric ts';
  if (typeof o['action'] !== 'string' || !ACTIONS.has(o['action'])) return 'action is not a decision action';
  if (typeof o['scope'] !== 'string' || !SCOPES.has(o['scope'])) return 'scope is not a decision scope';
  const v = o['value'];
  if (typeof v !== 'string' && (typeof v !== 'object' || v === null || Array.isArray(v))) return 'no value';
  if (typeof o['detector'] !== 'string') return 'no detector';
  if (typeof o['score'] !== 'number') return 'no numeric score';
  if (typeof o['modelVersion'] !== 'string') return 'no modelVersion';
  if (typeof o['shadow'] !== 'boolean') return 'no boolean shadow';
  return null;
}

function fromValue(value: unknown): DecisionLine {
  if (value === null || value === undefined || value === '') return { kind: 'tombstone' };
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return { kind: 'unreadable', reason: 'value is not JSON' };
    }
    if (v === null) return { kind: 'tombstone' };
  }
  if (typeof v !== 'object' || Array.isArray(v)) return { kind: 'unreadable', reason: 'value is not an object' };
  const o = v as Record<string, unknown>;
  const problem = decisionProblem(o);
  return problem ? { kind: 'unreadable', reason: problem } : { kind: 'decision', decision: o as unknown as Decision };
}

export function parseDecisionLine(raw: string): DecisionLine {
  const line = raw.trim();
  if (!line) return { kind: 'blank' };
  if (line === 'null') return { kind: 'tombstone' };
  if (line.startsWith('{')) {
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      return { kind: 'unreadable', reason: 'not JSON' };
    }
    const rec = o as Record<string, unknown>;
    // kcat -J: {"topic", "partition", "offset", "key", "payload"}; others name it value.
    if ('payload' in rec && 'topic' in rec) return fromValue(rec['payload']);
    if ('value' in rec && 'key' in rec && !('action' in rec)) return fromValue(rec['value']);
    return fromValue(rec);
  }
  // key TAB value: a decision key is scope:value and never holds a tab.
  const tab = raw.indexOf('\t');
  if (tab >= 0) return fromValue(raw.slice(tab + 1).trim());
  return { kind: 'unreadable', reason: 'not a decision record' };
}

export interface DecisionFileTally {
  decisions: number;
  tombstones: number;
  unreadable: number;
  firstProblem: string | null;
}

/**
 * Decisions of a file (`-`: stdin; `.gz` read through), in file order, with what was not one. Opens the
 * file at once: a missing file throws here, not at the first read.
 */
export function readDecisionFile(path: string, tally: DecisionFileTally): AsyncGenerator<Decision> {
  return decisionsOf(openInput(path).stream, tally);
}

async function* decisionsOf(stream: NodeJS.ReadableStream, tally: DecisionFileTally): AsyncGenerator<Decision> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const r = parseDecisionLine(raw);
    if (r.kind === 'decision') {
      tally.decisions++;
      yield r.decision;
    } else if (r.kind === 'tombstone') tally.tombstones++;
    else if (r.kind === 'unreadable') {
      tally.unreadable++;
      tally.firstProblem ??= `line ${n}: ${r.reason}`;
    }
  }
}
