/**
 * Benchmark plumbing: every throughput is printed beside its floor (a bare stream + split + JSON.parse
 * loop over the same file), as a table for people and one `BENCH_JSON` line for machines.
 */
import { createReadStream } from 'node:fs';

export interface BenchResult {
  readonly suite: string;
  readonly name: string;
  /** Units processed (events unless `unit` says otherwise). */
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly unit?: string;
  /** The floor for the same input, per second, when one applies. */
  readonly floorPerSecond?: number;
  /** Extra figures (memory, round trips, …). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface BenchContext {
  /** Scratch folder for generated corpora (not committed). */
  readonly workDir: string;
  /** Smaller inputs, for a quick look. */
  readonly quick: boolean;
  log(message: string): void;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

/** Runs `fn` and returns seconds elapsed. */
export async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The floor: read the file in 1 MiB chunks, split lines, JSON.parse each (or only split, for text). */
export async function floorRate(
  file: string,
  parseJson: boolean,
): Promise<{ records: number; seconds: number; perSecond: number }> {
  let records = 0;
  const seconds = await timed(async () => {
    let carry = '';
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, encoding: 'utf8' })) {
      const text = carry + (chunk as string);
      let pos = 0;
      for (;;) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) break;
        if (nl > pos) {
          if (parseJson) JSON.parse(text.slice(pos, nl));
          else void text.slice(pos, nl);
          records++;
        }
        pos = nl + 1;
      }
      carry = text.slice(pos);
    }
  });
  return { records, seconds, perSecond: records / seconds };
}

export function formatRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k/s`;
  return `${n.toFixed(0)}/s`;
}

export function printResults(results: readonly BenchResult[]): void {
  const rows = results.map((r) => [
    r.suite,
    r.name,
    String(r.count),
    r.seconds.toFixed(2),
    formatRate(r.perSecond) + (r.unit && r.unit !== 'events' ? ` ${r.unit}` : ''),
    r.floorPerSecond ? formatRate(r.floorPerSecond) : '',
    r.floorPerSecond ? `${((r.perSecond / r.floorPerSecond) * 100).toFixed(0)}%` : '',
    r.extra
      ? Object.entries(r.extra)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '',
  ]);
  const head = ['suite', 'case', 'count', 'seconds', 'throughput', 'floor', 'of floor', 'notes'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  console.log(`BENCH_JSON ${JSON.stringify({ at: new Date().toISOString(), node: process.version, results })}`);
}
