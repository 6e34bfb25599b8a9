/**
 * Decode + normalize throughput per gateway format, on generated realistic corpora (a Kong http-log
 * record is ~1.5-2 KB with route, service and headers), each beside its floor: a bare stream + split +
 * JSON.parse loop over the same file (split only, for NGINX text). Single thread and decode workers.
 *
 * `--suite decode-memory` replays a ~2 GB Kong file with the real CLI in a child process and samples
 * its resident memory, to show it stays flat whatever the input size.
 */
import { existsSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodePool, openInput, readEventBatches } from '@vigil/connectors';
import { createSourceDecoder, parseSourceConfig, type GatewayKind } from '@vigil/events';
import { generateBenchCorpus, sourceConfigFor, type SimFormat } from '@vigil/simulator';
import { floorRate, timed, type BenchContext, type BenchResult, type BenchSuite } from '../harness';

const FORMATS: readonly SimFormat[] = ['kong', 'envoy', 'nginx', 'nginx-json', 'apigw'];

/** Generates (once) a corpus file for a format; reused across runs while its size matches. */
export async function corpus(ctx: BenchContext, format: SimFormat, records: number): Promise<string> {
  const file = join(ctx.workDir, `${format}-${records}.log`);
  if (!existsSync(file) || statSync(file).size === 0) {
    ctx.log(`generating ${records} ${format} records → ${file}`);
    const r = await generateBenchCorpus(file, { format, records, seed: 7 });
    ctx.log(
      `  ${(r.bytes / 1e6).toFixed(0)} MB, ${(r.bytes / r.records).toFixed(0)} bytes/record, ${r.seconds.toFixed(1)} s`,
    );
  }
  return file;
}

async function decodeSingle(
  file: string,
  format: SimFormat,
): Promise<{ events: number; dead: number; seconds: number }> {
  const decoder = createSourceDecoder(format as GatewayKind, parseSourceConfig(sourceConfigFor(format)));
  let events = 0;
  let dead = 0;
  const seconds = await timed(async () => {
    for await (const b of readEventBatches(openInput(file).stream, decoder, { sourceName: file })) {
      events += b.events.length;
      dead += b.deadLetters.length;
    }
  });
  return { events, dead, seconds };
}

async function decodeWorkers(
  file: string,
  format: SimFormat,
  workers: number,
): Promise<{ events: number; dead: number; seconds: number }> {
  const config = parseSourceConfig(sourceConfigFor(format));
  const pool = new DecodePool({ gateway: format as GatewayKind, config, workers, sourceName: file, output: 'count' });
  let events = 0;
  let dead = 0;
  try {
    const seconds = await timed(async () => {
      for await (const b of pool.read(openInput(file).stream)) {
        events += b.eventCount;
        dead += b.deadLetters.length;
      }
    });
    return { events, dead, seconds };
  } finally {
    await pool.close();
  }
}

export const decodeSuite: BenchSuite = {
  name: 'decode',
  description: 'decode + normalize per gateway format, single thread and 2 decode workers, beside the JSON.parse floor',
  async run(ctx) {
    const results: BenchResult[] = [];
    for (const format of FORMATS) {
      const records = ctx.quick ? 50_000 : format === 'kong' ? 400_000 : 200_000;
      const file = await corpus(ctx, format, records);
      const bytesPerRecord = Math.round(statSync(file).size / records);
      const floor = await floorRate(file, format !== 'nginx');
      const single = await decodeSingle(file, format);
      if (single.dead) throw new Error(`${format}: ${single.dead} records dead-lettered in a clean corpus`);
      results.push({
        suite: 'decode',
        name: `${format} main thread`,
        count: single.events,
        seconds: single.seconds,
        perSecond: single.events / single.seconds,
        floorPerSecond: floor.perSecond,
        extra: { bytesPerRecord },
      });
      const w = await decodeWorkers(file, format, 2);
      results.push({
        suite: 'decode',
        name: `${format} 2 workers`,
        count: w.events,
        seconds: w.seconds,
        perSecond: w.events / w.seconds,
        floorPerSecond: floor.perSecond,
        extra: { bytesPerRecord },
      });
    }
    return results;
  },
};

/** Resident set size of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export const decodeMemorySuite: BenchSuite = {
  name: 'decode-memory',
  description: 'vigil replay of a ~2 GB Kong file in a child process, resident memory sampled every 200 ms',
  async run(ctx) {
    const records = ctx.quick ? 200_000 : 1_100_000;
    const file = await corpus(ctx, 'kong', records);
    const size = statSync(file).size;
    const cli = join(__dirname, '..', '..', '..', 'apps', 'cli', 'bin', 'vigil.js');
    const samples: number[] = [];
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [cli, 'replay', '--source', 'kong', '--input', file, '--no-progress', '--workers', '0'],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      const timer = setInterval(() => samples.push(rssBytes(child.pid!)), 200);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearInterval(timer);
        if (code === 0) resolve();
        else reject(new Error(`vigil replay exited with ${code}`));
      });
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const live = samples.filter((s) => s > 0);
    const at = (q: number) => live[Math.min(live.length - 1, Math.floor(q * live.length))] ?? 0;
    const mb = (b: number) => `${(b / 1048576).toFixed(0)}MB`;
    return [
      {
        suite: 'decode-memory',
        name: `kong ${(size / 1e9).toFixed(2)} GB replay`,
        count: records,
        seconds,
        perSecond: records / seconds,
        extra: {
          rssAt10pct: mb(at(0.1)),
          rssAt50pct: mb(at(0.5)),
          rssAt90pct: mb(at(0.9)),
          rssMax: mb(Math.max(...live)),
        },
      },
    ];
  },
};
