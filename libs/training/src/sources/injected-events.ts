/**
 * A customer's own (benign, unlabeled) history with simulated attack campaigns injected: the simulator runs
 * over the same event-time span and only its attack requests are kept, decoded and merged by event time
 * into the customer's decoded events. The campaigns' labels become the ground truth; everything else in
 * the customer's log counts as benign unless a confirmed-incident file says otherwise.
 */
import type { AccessEvent } from '@vigil/events';
import type { LabelsFile } from '@vigil/simulator';
import { SimulatedRun } from './simulated-events';

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
