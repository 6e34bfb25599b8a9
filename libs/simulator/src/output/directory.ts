/**
 * Writes one simulation into a directory: the traffic in a gateway format, the per-request labels, the
 * campaign/trap labels, the true routes and a manifest. Streaming: requests are written as they are
 * generated, with backpressure, so a long run needs no more memory than a short one.
 *
 *   traffic.<format>.log     one gateway log record a line
 *   request-labels.ndjson    {requestId, ts, group, kind} for every attack and trap request
 *   labels.json              LabelsFile: campaigns and traps with time spans and entities
 *   routes.json              RoutesFile: true route templates per host
 *   manifest.json            parameters, files, the source config that decodes the traffic, networks, stats
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import { createWriter, sourceConfigFor, type SimFormat, type WriterOptions } from '../formats';
import type { RequestLabel } from '../labels';
import { Simulation, type SimulationOptions, type SimulationStats } from '../simulation';

export const SIMULATOR_VERSION = '1.0.0';

export interface SimulateToDirectoryOptions extends SimulationOptions {
  readonly outDir: string;
  readonly format: SimFormat;
  readonly writer?: WriterOptions;
  /** Called every few thousand requests with the count so far and the event time reached. */
  readonly onProgress?: (requests: number, eventTimeMs: number, bytes: number) => void;
}

export interface SimulationFiles {
  readonly traffic: string;
  readonly requestLabels: string;
  readonly labels: string;
  readonly routes: string;
  readonly manifest: string;
}

export interface SimulateSummary {
  readonly files: SimulationFiles;
  readonly stats: SimulationStats;
  readonly bytes: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
}

export interface SimulationManifest {
  readonly simulatorVersion: string;
  readonly format: SimFormat;
  readonly parameters: {
    readonly seed: number;
    readonly minutes: number;
    readonly scale: number;
    readonly startMs: number;
    readonly endMs: number;
    readonly attacks: boolean;
    /** The bank profile, when not the default bank. */
    readonly profile?: string;
  };
  readonly files: SimulationFiles;
  /** Input for `parseSourceConfig` (add your hashing key) that decodes the traffic file as intended. */
  readonly sourceConfig: Record<string, unknown>;
  readonly networks: ReturnType<typeof Simulation.networks>;
  readonly stats: SimulationStats;
}

/** Joins lines a thousand at a time (one flatten and one UTF-8 encode per chunk) and honours backpressure. */
class ChunkedWriter {
  private lines: string[] = [];
  bytes = 0;
  constructor(private readonly out: WriteStream) {}
  /** Returns a promise only when the stream asked us to wait. */
  push(line: string): Promise<void> | null {
    this.lines.push(line);
    return this.lines.length >= 1024 ? this.flush() : null;
  }
  flush(): Promise<void> | null {
    if (this.lines.length === 0) return null;
    const buf = Buffer.from(`${this.lines.join('\n')}\n`);
    this.lines = [];
    this.bytes += buf.length;
    return this.out.write(buf) ? null : once(this.out, 'drain').then(() => undefined);
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}

export async function simulateToDirectory(options: SimulateToDirectoryOptions): Promise<SimulateSummary> {
  const t0 = process.hrtime.bigint();
  mkdirSync(options.outDir, { recursive: true });
  const files: SimulationFiles = {
    traffic: join(options.outDir, `traffic.${options.format}.log`),
    requestLabels: join(options.outDir, 'request-labels.ndjson'),
    labels: join(options.outDir, 'labels.json'),
    routes: join(options.outDir, 'routes.json'),
    manifest: join(options.outDir, 'manifest.json'),
  };
  const sim = new Simulation(options);
  const writer = createWriter(options.format, options.writer);
  const traffic = new ChunkedWriter(createWriteStream(files.traffic));
  const labels = new ChunkedWriter(createWriteStream(files.requestLabels));
  let n = 0;
  try {
    for (const { request, group, kind } of sim.requests()) {
      await traffic.push(writer.write(request));
      if (group !== null) {
        const label: RequestLabel = {
          requestId: request.requestId,
          ts: request.ts,
          group,
          kind: kind as 'attack' | 'trap',
        };
        await labels.push(JSON.stringify(label));
      }
      if (++n % 5000 === 0) options.onProgress?.(n, request.ts, traffic.bytes);
    }
  } finally {
    await traffic.close();
    await labels.close();
  }
  const stats = sim.stats();
  writeFileSync(files.labels, `${JSON.stringify(sim.labels(), null, 1)}\n`);
  writeFileSync(files.routes, `${JSON.stringify(sim.routes(), null, 2)}\n`);
  const networks = Simulation.networks(options.profile);
  const manifest: SimulationManifest = {
    simulatorVersion: SIMULATOR_VERSION,
    format: options.format,
    parameters: {
      seed: options.seed,
      minutes: options.minutes,
      scale: options.scale,
      startMs: sim.startMs,
      endMs: sim.endMs,
      attacks: options.attacks !== false,
      ...(options.profile && options.profile !== 'bank' ? { profile: options.profile } : {}),
    },
    // Names, not paths: the manifest of one seed is the same whichever directory it was written to.
    files: {
      traffic: basename(files.traffic),
      requestLabels: basename(files.requestLabels),
      labels: basename(files.labels),
      routes: basename(files.routes),
      manifest: basename(files.manifest),
    },
    sourceConfig: sourceConfigFor(options.format, options.writer, { trustedProxies: networks.trustedProxies }),
    networks,
    stats,
  };
  writeFileSync(files.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { files, stats, bytes: traffic.bytes, seconds, requestsPerSecond: seconds > 0 ? stats.requests / seconds : 0 };
}
