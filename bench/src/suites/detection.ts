/**
 * The whole detection path as `vigil replay` runs it — decode → feature windows (memory) → detectors
 * (TF.js models + baselines) → policy — on a labeled simulated Kong hour (attacks and traps included, so
 * the detectors and the policy have real work), beside the floor (stream + split + JSON.parse of the same
 * file). Where the time goes: each phase timed inside the same run (decode is the rest).
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { DecodePool, openInput, readEventBatches } from '@vigil/connectors';
import { buildDetectors, DetectionEngine, DetectionPipeline, parsePolicyConfig, Policy } from '@vigil/detection';
import { createSourceDecoder, parseSourceConfig, type AccessEvent } from '@vigil/events';
import { MemoryWindowStore, type WindowStore } from '@vigil/features';
import { describeRuntime, loadModels, tfRuntime } from '@vigil/models';
import { Simulation, simulateToDirectory, sourceConfigFor } from '@vigil/simulator';
import { floorRate, timed, type BenchContext, type BenchResult, type BenchSuite } from '../harness';

const MODELS = resolve(__dirname, '..', '..', '..', 'models');

export async function simulatedHour(ctx: BenchContext): Promise<string> {
  const minutes = ctx.quick ? 15 : 60;
  const dir = join(ctx.workDir, `detect-sim-${minutes}m`);
  const file = join(dir, 'traffic.kong.log');
  if (!existsSync(file) || statSync(file).size === 0) {
    ctx.log(`simulating ${minutes} minutes of Kong traffic with attacks → ${dir}`);
    await simulateToDirectory({ outDir: dir, format: 'kong', seed: 4711, minutes, scale: 1 });
  }
  return file;
}

/** A store and an engine whose phases are timed. */
async function timedPath(modelsDir: string | null) {
  const runtime = modelsDir ? await tfRuntime({}) : null;
  const models = modelsDir && runtime ? await loadModels(modelsDir, { runtime }) : new Map();
  // Model inference timed apart: batched predicts and the explanations of findings that become records.
  const inference = { predict: 0, explain: 0 };
  for (const m of models.values()) {
    const predict = m.predict.bind(m);
    const explain = m.explain.bind(m);
    m.predict = (raw: Float32Array, rows: number) => {
      const t0 = process.hrtime.bigint();
      const out = predict(raw, rows);
      inference.predict += Number(process.hrtime.bigint() - t0) / 1e9;
      return out;
    };
    m.explain = (row: Float32Array, top?: number) => {
      const t0 = process.hrtime.bigint();
      const out = explain(row, top);
      inference.explain += Number(process.hrtime.bigint() - t0) / 1e9;
      return out;
    };
  }
  const policy = parsePolicyConfig({});
  const engine = new DetectionEngine({
    detectors: buildDetectors({ active: models }, policy),
    policy: new Policy(policy),
  });
  const store = new MemoryWindowStore();
  const phases = { windows: 0, detect: 0 };
  const timedStore: WindowStore = {
    kind: 'memory',
    async applyBatch(events, position) {
      const t0 = process.hrtime.bigint();
      const r = store.applyNow(events, position);
      phases.windows += Number(process.hrtime.bigint() - t0) / 1e9;
      return r;
    },
    stats: () => store.stats(),
    close: () => store.close(),
  };
  const process0 = engine.process.bind(engine);
  engine.process = (events, vectors, watermark) => {
    const t0 = process.hrtime.bigint();
    const out = process0(events, vectors, watermark);
    phases.detect += Number(process.hrtime.bigint() - t0) / 1e9;
    return out;
  };
  let decisions = 0;
  const pipeline = new DetectionPipeline({
    store: timedStore,
    engine,
    sinks: { decisions: (ds) => void (decisions += ds.length), alerts: () => undefined },
  });
  return { pipeline, phases, inference, runtime, decisions: () => decisions };
}

async function wholePath(file: string, workers: number, withModels: boolean) {
  const trusted = Simulation.networks().trustedProxies;
  const config = parseSourceConfig(sourceConfigFor('kong', {}, { trustedProxies: trusted }));
  const path = await timedPath(withModels ? MODELS : null);
  let events = 0;
  const cpu0 = process.cpuUsage();
  const pool =
    workers > 0 ? new DecodePool({ gateway: 'kong', config, workers, sourceName: file, output: 'objects' }) : null;
  const decoder = createSourceDecoder('kong', config);
  const batches: AsyncIterable<{ events: AccessEvent[] }> = pool
    ? pool.read(openInput(file).stream)
    : readEventBatches(openInput(file).stream, decoder, { sourceName: file });
  let seconds: number;
  try {
    seconds = await timed(async () => {
      for await (const b of batches) {
        events += b.events.length;
        await path.pipeline.push(b.events);
      }
      await path.pipeline.flush();
    });
  } finally {
    await pool?.close();
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    events,
    seconds,
    cpuMicrosPerEvent: Math.round(((cpu.user + cpu.system) / Math.max(events, 1)) * 10) / 10,
    windowsShare: path.phases.windows / seconds,
    detectShare: path.phases.detect / seconds,
    predictMicrosPerEvent: (path.inference.predict * 1e6) / Math.max(events, 1),
    explainMicrosPerEvent: (path.inference.explain * 1e6) / Math.max(events, 1),
    windowsMicrosPerEvent: (path.phases.windows * 1e6) / Math.max(events, 1),
    decisions: path.decisions(),
    backend: path.runtime ? describeRuntime(path.runtime) : 'none',
  };
}

export const detectionSuite: BenchSuite = {
  name: 'detection',
  description: 'whole-path replay (decode → windows → detectors → policy) on a simulated Kong hour vs the JSON floor',
  async run(ctx) {
    const file = await simulatedHour(ctx);
    const floor = await floorRate(file, true);
    ctx.log(`floor ${floor.perSecond.toFixed(0)}/s over ${floor.records} records`);
    const results: BenchResult[] = [];
    const cases: [string, number, boolean][] = [
      ['replay whole path, main thread', 0, true],
      ['replay whole path, baselines only (no models)', 0, false],
    ];
    const cores = availableParallelism();
    if (cores > 1) cases.push([`replay whole path, ${Math.min(cores, 4)} decode workers`, Math.min(cores, 4), true]);
    for (const [name, workers, models] of cases) {
      const r = await wholePath(file, workers, models);
      ctx.log(
        `${name}: ${(r.events / r.seconds).toFixed(0)}/s (${((r.events / r.seconds / floor.perSecond) * 100).toFixed(0)}% of floor), ` +
          `windows ${(r.windowsShare * 100).toFixed(0)}%, detectors+policy ${(r.detectShare * 100).toFixed(0)}% of wall, ${r.decisions} decisions, ${r.backend}`,
      );
      results.push({
        suite: 'detection',
        name,
        count: r.events,
        seconds: r.seconds,
        perSecond: r.events / r.seconds,
        floorPerSecond: floor.perSecond,
        extra: {
          ofFloor: Number((r.events / r.seconds / floor.perSecond).toFixed(3)),
          cpuMicrosPerEvent: r.cpuMicrosPerEvent,
          windowsShareOfWall: Number(r.windowsShare.toFixed(3)),
          detectShareOfWall: Number(r.detectShare.toFixed(3)),
          decodeAndRestShareOfWall: Number((1 - r.windowsShare - r.detectShare).toFixed(3)),
          windowsMicrosPerEvent: Number(r.windowsMicrosPerEvent.toFixed(1)),
          modelPredictMicrosPerEvent: Number(r.predictMicrosPerEvent.toFixed(1)),
          modelExplainMicrosPerEvent: Number(r.explainMicrosPerEvent.toFixed(1)),
          decisions: r.decisions,
          backend: r.backend,
        },
      });
    }
    return results;
  },
};
