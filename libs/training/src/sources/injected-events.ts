/**
 * A customer's own (benign, unlabeled) history with simulated attack campaigns injected: the simulator runs
 * over the same event-time span and only its attack requests are kept, decoded and merged by event time
 * into the customer's decoded events. The campaigns' labels become the ground truth; everything else in
 * the customer's log counts as benign unless a confirmed-incident file says otherwise.
 */
import type { AccessEvent } from '@vigil/events';
import { BANK_PROFILE, bankProfile, type BankProfileId, type LabelsFile } from '@vigil/simulator';
import type { Overlay } from './history-stream';
import { SimulatedRun, type SimulatedRunOptions } from './simulated-events';

export interface InjectionOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Attack volume is drawn relative to this benign scale (1 ≈ 120 visits a minute). */
  readonly scale?: number;
  /** The HMAC key the customer's events were hashed with, so injected principals hash alike. */
  readonly hashKey?: string;
}

export interface InjectedAttacks {
  readonly events: AccessEvent[];
  readonly labels: LabelsFile;
  readonly deadLetters: number;
  /** The campaign an injected request belongs to (null for any other request). */
  readonly groupOf: (requestId: string | null) => string | null;
}

export function simulateAttacks(options: InjectionOptions): InjectedAttacks {
  const minutes = Math.max(1, (options.endMs - options.startMs) / 60_000);
  const run = new SimulatedRun({
    seed: options.seed,
    minutes,
    scale: options.scale ?? 1,
    startMs: options.startMs,
    attacksOnly: true,
    trackGroups: true,
    ...(options.hashKey ? { hashKey: options.hashKey } : {}),
  });
  const events: AccessEvent[] = [];
  for (const chunk of run.events()) for (const e of chunk) events.push(e);
  return { events, labels: run.labels(), deadLetters: run.deadLetters, groupOf: (id) => run.groupOf(id) };
}

/** Merges sorted `extra` events into a stream of (roughly time-ordered) batches. */
export async function* mergeByTime(
  batches: AsyncIterable<readonly AccessEvent[]>,
  extra: readonly AccessEvent[],
): AsyncGenerator<AccessEvent[]> {
  let i = 0;
  for await (const batch of batches) {
    if (!batch.length) continue;
    const maxTs = batch.reduce((m, e) => (e.ts > m ? e.ts : m), -Infinity);
    const take: AccessEvent[] = [];
    while (i < extra.length && extra[i]!.ts <= maxTs) take.push(extra[i++]!);
    if (!take.length) {
      yield [...batch];
      continue;
    }
    yield mergeSorted(batch, take);
  }
  if (i < extra.length) yield extra.slice(i);
}

function mergeSorted(a: readonly AccessEvent[], b: readonly AccessEvent[]): AccessEvent[] {
  const out: AccessEvent[] = [];
  let j = 0;
  for (const e of a) {
    while (j < b.length && b[j]!.ts <= e.ts) out.push(b[j++]!);
    out.push(e);
  }
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Requests a minute of the default simulated bank at scale 1 (its profile says how it was measured). */
export const SIMULATED_REQUESTS_PER_MINUTE = BANK_PROFILE.requestsPerMinute;
/** Share of those requests that are benign look-alikes (traps). */
export const SIMULATED_TRAP_SHARE = BANK_PROFILE.trapShare;

export interface OverlayOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  /** `attacks`: the campaigns' requests; `benign`: the benign look-alikes' (NATs, partners, crawlers, …). */
  readonly kind: 'attacks' | 'benign';
  /** The history's volume, records a minute: what the overlay is sized by. */
  readonly historyPerMinute: number;
  /**
   * attacks: campaigns per hour relative to the simulator's at the history's volume (1 = as many as a
   * simulated bank of that size meets); benign: the look-alikes' requests as a share of the history's.
   */
  readonly proportion: number;
  /** The simulated bank whose surface and habits the overlay's requests have (default `bank`). */
  readonly profile?: BankProfileId;
  readonly hashKey?: string;
}

export interface SimulatedOverlay {
  readonly overlay: Overlay;
  readonly labels: LabelsFile;
  readonly run: SimulatedRun;
  /** Requests the overlay adds (from its labels, before decoding). */
  readonly requests: number;
  /** What was asked and what it came to, for manifests and summaries. */
  readonly describe: Readonly<Record<string, number | string>>;
}

/**
 * Simulated traffic to merge into a history, sized by its volume. A generation-only pass (no writing,
 * no decoding) gives the labels first, because rows are labeled as they are built; the events are then
 * generated again lazily (same seed, same requests) while the merge reads them, so memory does not grow
 * with the history's length.
 */
export function simulatedOverlay(o: OverlayOptions): SimulatedOverlay {
  const profile = bankProfile(o.profile);
  const ratio = Math.max(0.01, o.historyPerMinute / profile.requestsPerMinute);
  const minutes = Math.max(1, (o.endMs - o.startMs) / 60_000);
  const base = {
    seed: o.seed,
    minutes,
    startMs: o.startMs,
    trackGroups: true,
    ...(o.profile && o.profile !== 'bank' ? { profile: o.profile } : {}),
    ...(o.hashKey ? { hashKey: o.hashKey } : {}),
  };
  const options: SimulatedRunOptions =
    o.kind === 'attacks'
      ? { ...base, scale: ratio, attackRate: Math.min(8, Math.max(0.25, ratio * o.proportion)), kinds: ['attack'] }
      : {
          ...base,
          scale: Math.max(0.02, (ratio * o.proportion) / profile.trapShare),
          attacks: false,
          kinds: ['trap'],
        };
  const labels = SimulatedRun.labelsOf(options);
  const run = new SimulatedRun(options);
  const groups = o.kind === 'attacks' ? labels.campaigns : labels.traps;
  const requests = groups.reduce((a, g) => a + g.requests, 0);
  const historyRecords = o.historyPerMinute * minutes;
  return {
    overlay: { name: run.name, startMs: o.startMs, events: () => run.events() },
    labels,
    run,
    requests,
    describe: {
      kind: o.kind,
      seed: o.seed,
      source: run.name,
      asked: o.proportion,
      scale: Number(options.scale.toFixed(3)),
      ...(options.attackRate !== undefined ? { attackRate: Number(options.attackRate.toFixed(3)) } : {}),
      groups: groups.length,
      requests,
      shareOfHistory: Number((requests / Math.max(1, historyRecords)).toFixed(4)),
    },
  };
}
