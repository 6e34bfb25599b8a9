/**
 * `vigil evaluate` (whole path, the default): labeled traffic through decode → windows → detectors →
 * policy exactly as `vigil replay` runs it, every request judged against the decisions in force at its
 * event time (WholePathEvaluator). One report per source (a log with its labels, or a fresh simulation
 * per seed), then the worst figure across sources for each target, because a mean hides the bad seed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { keyPartitioner, openInput, readEventBatches } from '@vigil/connectors';
import {
  DetectionPipeline,
  EventTimeBatcher,
  LANE_NAMES,
  LANES,
  customerSoftwareMemory,
  type Alert,
  type Decision,
  type DetectionEngine,
  type EngineVariant,
  type Policy,
} from '@vigil/detection';
import { DEVELOPMENT_HASH_KEY, parseSourceConfig, type AccessEvent } from '@vigil/events';
import { MemoryWindowStore, type MemoryWindowStoreOptions } from '@vigil/features';
import { readConfigFile } from '@vigil/platform';
import { Simulation, sourceConfigFor, type LabelsFile } from '@vigil/simulator';
import { mergeByTime, simulateAttacks, SimulatedRun, WholePathEvaluator, type WholePathReport } from '@vigil/training';
import { UsageError } from '../errors';
import { setupDetection, splitConfigSections } from '../detection-setup';
import { formatCount, Progress } from '../progress';
import { loadSource } from '../source-options';
import { backendOption, parseNumberList, positive } from './train';

export interface EvaluatePathOptions {
  model: string[];
  input?: string;
  source?: string;
  config?: string;
  labels?: string;
  requestLabels?: string;
  simulateSeeds?: string;
  injectAttacks?: string | boolean;
  minutes: string;
  scales: string;
  json?: string;
  backend?: string;
  /** Partition-owned windows and engines (the detector's redis.windows: partition), keyed by client address. */
  partitions?: string;
  /** With `partitions`: one window store shared by every partition (redis.windows: scripts). */
  sharedWindows?: boolean;
  /** With `partitions`: the detection lanes (kafka.repartition.lanes): each lane on its own n partitions. */
  lanes?: boolean;
  progress: boolean;
}

interface SourceRun {
  readonly name: string;
  readonly labels: () => LabelsFile;
  readonly groupOf: (requestId: string | null) => string | null;
  readonly batches: () => AsyncIterable<readonly AccessEvent[]>;
  readonly sourceConfig: ReturnType<typeof parseSourceConfig>;
  readonly policyRaw: unknown;
}

export async function evaluateWholePath(
  opts: EvaluatePathOptions,
): Promise<{ name: string; report: WholePathReport }[]> {
  const runs = sourcesOf(opts);
  const results: { name: string; report: WholePathReport }[] = [];
  for (const run of runs) {
    const models = opts.model.length === 1 ? opts.model[0] : undefined;
    if (opts.model.length > 1) throw new UsageError('the whole-path evaluation takes one models root (--model DIR)');
    const setup = await setupDetection(run.policyRaw, run.sourceConfig, {
      models: models === 'models' && !existsSync('models') ? undefined : models,
      backend: backendOption(opts.backend),
    });
    if (opts.progress) process.stderr.write(`evaluate ${run.name}: ${setup.describe()}\n`);
    const evaluator = new WholePathEvaluator(run.groupOf);
    const partitions = opts.partitions === undefined ? 1 : positive(opts.partitions, '--partitions');
    if (!Number.isInteger(partitions))
      throw new UsageError(`--partitions takes a whole number, got ${opts.partitions}`);
    if (opts.sharedWindows && partitions === 1) throw new UsageError('--shared-windows goes with --partitions n > 1');
    if (opts.lanes && partitions === 1) throw new UsageError('--lanes goes with --partitions n > 1');
    if (opts.lanes && opts.sharedWindows)
      throw new UsageError("--lanes keeps each lane's windows on its partitions: it does not go with --shared-windows");
    const path = partitionedPath(setup, evaluator, partitions, opts);
    const progress = new Progress({ label: `evaluate ${run.name}`, unit: 'events', enabled: opts.progress });
    let n = 0;
    try {
      for await (const events of run.batches()) {
        await path.push(events);
        n += events.length;
        progress.update(n, undefined, `decisions ${formatCount(path.decisions())}`);
      }
      await path.flush();
    } finally {
      progress.finish();
    }
    results.push({ name: run.name, report: evaluator.report(run.labels()) });
  }
  printReports(results);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify({ results, worst: worstOf(results.map((r) => r.report)) }, null, 2)}\n`);
    process.stderr.write(`evaluate: report written to ${opts.json}\n`);
  }
  return results;
}

interface PartitionedPath {
  push(events: readonly AccessEvent[]): Promise<void>;
  flush(): Promise<void>;
  decisions(): number;
}

/**
 * The whole path as the detector service runs it. One partition: `vigil replay`'s one pipeline. n
 * partitions keyed by client address: a pipeline per partition, each with its own engine and its own
 * windows (redis.windows: partition) or one store for all (--shared-windows, redis.windows: scripts).
 * With lanes: every lane on its own n partitions keyed by the lane's key, each keeping the lane's entity
 * types and running its detectors (kafka.repartition.lanes). A request is judged once, after the batch
 * that holds it has run on every partition it went to, against every engine's decisions (the enforcer
 * reads them all).
 */
function partitionedPath(
  setup: Awaited<ReturnType<typeof setupDetection>>,
  evaluator: WholePathEvaluator,
  partitions: number,
  opts: Pick<EvaluatePathOptions, 'sharedWindows' | 'lanes'>,
): PartitionedPath {
  const sinks = {
    decisions: (ds: readonly Decision[]) => evaluator.onDecisions(ds),
    alerts: (as: readonly Alert[]) => evaluator.onAlerts(as),
  };
  if (partitions === 1) {
    const pipeline = new DetectionPipeline({
      store: new MemoryWindowStore(),
      engine: setup.engine,
      sinks,
      afterBatch: (events) => evaluator.onEvents(events, setup.engine.policy),
    });
    return {
      push: (events) => pipeline.push(events),
      flush: () => pipeline.flush(),
      decisions: () => setup.engine.totals.decisions,
    };
  }
  // Per re-keying (the lanes, or client address alone): its key and what its partitions keep and run. The
  // fleet rule's customer memory is shared as the detector shares it between its address partitions.
  const customerSoftware = opts.lanes ? customerSoftwareMemory() : undefined;
  const keyings: {
    keyOf: (e: AccessEvent) => string | null;
    engine: EngineVariant;
    store: MemoryWindowStoreOptions;
  }[] = opts.lanes
    ? LANE_NAMES.map((name) => {
        const lane = LANES[name];
        return { keyOf: lane.keyOf, engine: { lane, customerSoftware }, store: { entityTypes: lane.entityTypes } };
      })
    : [{ keyOf: (e) => e.clientIp, engine: {}, store: {} }];
  const shared = opts.sharedWindows ? new MemoryWindowStore() : null;
  const engines: DetectionEngine[] = [];
  // Per keying, per partition: the pipeline and the events of the current chunk it gets.
  const grid = keyings.map((k) =>
    Array.from({ length: partitions }, () => {
      const engine = setup.createEngine(undefined, k.engine);
      engines.push(engine);
      const store = shared ?? new MemoryWindowStore(k.store);
      return { pipeline: new DetectionPipeline({ store, engine, sinks }), events: [] as AccessEvent[] };
    }),
  );
  const enforcing: Pick<Policy, 'enforcingFor'> = {
    enforcingFor: (e, ts) => engines.flatMap((engine) => engine.policy.enforcingFor(e, ts)),
  };
  const partitionOf = keyPartitioner(partitions);
  // A request is judged at the end of its event-time batch (as one pipeline would), by then every
  // partition that has seen a later event has run the batch that holds it.
  const judged = new EventTimeBatcher();
  const judge = (batch: readonly AccessEvent[]) => evaluator.onEvents(batch, enforcing);
  return {
    async push(events) {
      for (const e of events) {
        for (let k = 0; k < keyings.length; k++) {
          const key = keyings[k]!.keyOf(e);
          if (key !== null) grid[k]![partitionOf(key)]!.events.push(e);
        }
      }
      for (const row of grid)
        for (const cell of row) {
          if (!cell.events.length) continue;
          await cell.pipeline.push(cell.events);
          cell.events = [];
        }
      for (const e of events) {
        if (judged.closedBy(e)) judge(judged.take());
        judged.add(e);
      }
    },
    async flush() {
      for (const row of grid) for (const cell of row) await cell.pipeline.flush();
      judge(judged.take());
    },
    decisions: () => engines.reduce((sum, engine) => sum + engine.totals.decisions, 0),
  };
}

function sourcesOf(opts: EvaluatePathOptions): SourceRun[] {
  const raw = opts.config ? readConfigFile(opts.config) : {};
  const sections = splitConfigSections(raw);
  if (opts.simulateSeeds) {
    const seeds = parseNumberList(opts.simulateSeeds, '--simulate-seeds');
    const minutes = positive(opts.minutes, '--minutes');
    const scales = parseNumberList(opts.scales, '--scales');
    return seeds.map((seed, i) => {
      const run = new SimulatedRun({ seed, minutes, scale: scales[i % scales.length]!, trackGroups: true });
      const trusted = Simulation.networks().trustedProxies;
      const sourceConfig = parseSourceConfig(sourceConfigFor('kong', {}, { trustedProxies: trusted }), 'simulator');
      return {
        name: run.name,
        labels: () => run.labels(),
        groupOf: (id) => run.groupOf(id),
        batches: async function* () {
          yield* run.events();
        },
        sourceConfig,
        policyRaw: sections.policy,
      };
    });
  }
  if (!opts.input || (!opts.labels && opts.injectAttacks === undefined))
    throw new UsageError('give --input with --source and --labels or --inject-attacks, or --simulate-seeds');
  if (!opts.source) throw new UsageError('--input needs --source <format>');
  const { config, decoder } = loadSource({ input: opts.input, source: opts.source }, process.env, sections.source);
  if (opts.injectAttacks !== undefined) return [injectedRun(opts, config, decoder, sections.policy)];
  if (!opts.labels) throw new UsageError('--input needs --labels (or --inject-attacks)');
  let labels: LabelsFile;
  try {
    labels = JSON.parse(readFileSync(opts.labels, 'utf8')) as LabelsFile;
  } catch {
    throw new UsageError(`labels file ${opts.labels} cannot be read as vigil simulate's labels.json`);
  }
  if (!Array.isArray(labels.campaigns)) throw new UsageError(`${opts.labels} has no campaigns: not a labels.json`);
  const key = config.hashing.key ?? DEVELOPMENT_HASH_KEY;
  if (
    labels.hashing &&
    'key' in labels.hashing &&
    (labels.hashing as { key?: string }).key !== undefined &&
    (labels.hashing as { key?: string }).key !== key
  )
    process.stderr.write(
      'evaluate: the labels were hashed with another key; principal and session labels will not match\n',
    );
  const beside = join(dirname(opts.labels), 'request-labels.ndjson');
  const requestLabels = opts.requestLabels ?? (existsSync(beside) ? beside : `${beside}.gz`);
  if (!existsSync(requestLabels))
    throw new UsageError(`request labels ${beside} not found (vigil simulate writes them; or --request-labels FILE)`);
  const groups = new Map<string, string>();
  const bytes = readFileSync(requestLabels);
  const text = (requestLabels.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  for (const line of text.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { requestId: string; group: string };
    groups.set(requestKey(r.requestId), r.group);
  }
  const input = opts.input;
  return [
    {
      name: input,
      labels: () => labels,
      groupOf: (id) => (id === null ? null : (groups.get(requestKey(id)) ?? null)),
      batches: () => fileEvents(input, decoder),
      sourceConfig: config,
      policyRaw: sections.policy,
    },
  ];
}

/**
 * A benign log (the bank's own, or another generator's) with the simulator's attack campaigns injected
 * over its time span and at its volume: everything in the log counts as plain traffic, the injected
 * requests are labeled by the simulator. A first pass reads the span and the event rate.
 */
function injectedRun(
  opts: EvaluatePathOptions,
  config: ReturnType<typeof parseSourceConfig>,
  decoder: ReturnType<typeof loadSource>['decoder'],
  policyRaw: unknown,
): SourceRun {
  const seed = opts.injectAttacks === true || opts.injectAttacks === undefined ? 1 : Number(opts.injectAttacks);
  if (!Number.isInteger(seed))
    throw new UsageError(`--inject-attacks takes a whole-number seed, got "${String(opts.injectAttacks)}"`);
  const input = opts.input!;
  let injected: ReturnType<typeof simulateAttacks> | null = null;
  const readAll = () => fileEvents(input, decoder);
  return {
    name: `${input} + attacks(seed ${seed})`,
    labels: () => injected!.labels,
    groupOf: (id) => injected?.groupOf(id) ?? null,
    batches: async function* () {
      let first = Infinity;
      let last = -Infinity;
      let n = 0;
      for await (const events of readAll()) {
        for (const e of events) {
          if (e.ts < first) first = e.ts;
          if (e.ts > last) last = e.ts;
        }
        n += events.length;
      }
      if (n === 0) throw new UsageError(`${input} has no events to inject attacks into`);
      // The simulator's scale 1 is about 2,000 requests a minute of benign traffic.
      const minutes = Math.max(1, (last - first) / 60_000);
      const scale = Math.max(0.05, n / minutes / 2000);
      injected = simulateAttacks({
        seed,
        startMs: first,
        endMs: last,
        scale,
        hashKey: config.hashing.key ?? DEVELOPMENT_HASH_KEY,
      });
      yield* mergeByTime(readAll(), injected.events);
    },
    sourceConfig: config,
    policyRaw,
  };
}

/** A log file's decoded events, batch by batch (dead letters are the replay's business, not the score's). */
async function* fileEvents(input: string, decoder: ReturnType<typeof loadSource>['decoder']) {
  const opened = openInput(input);
  for await (const b of readEventBatches(opened.stream, decoder, { sourceName: opened.name })) yield b.events;
}

/** Gateways spell one request id differently (API Gateway logs it as a dashed UUID): compare hex digits. */
const requestKey = (id: string): string => id.replace(/-/g, '').toLowerCase();

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function printReports(results: readonly { name: string; report: WholePathReport }[]): void {
  const out: string[] = [];
  for (const { name, report: r } of results) {
    out.push(`== ${name}: ${formatCount(r.events)} events`);
    out.push(
      `${'attack'.padEnd(40)} ${'camp'.padStart(4)} ${'entities'.padStart(8)} ${'recall'.padStart(7)} ${'stopped'.padStart(8)} ${'logins stopped'.padStart(15)} ${'TTD med/worst s'.padStart(16)}`,
    );
    for (const [k, s] of Object.entries(r.byStyle).sort()) {
      out.push(
        `${k.padEnd(40)} ${String(s.campaigns).padStart(4)} ${`${s.detected}/${s.entities}`.padStart(8)} ${pct(s.recall).padStart(7)} ${pct(s.stoppedShare).padStart(8)} ${`${s.loginAttemptsStopped}/${s.loginAttempts}`.padStart(15)} ${`${s.medianTimeToDetectSec ?? '-'}/${s.worstTimeToDetectSec ?? '-'}`.padStart(16)}`,
      );
    }
    out.push(
      `${'trap'.padEnd(40)} ${'users'.padStart(6)} ${'affected'.padStart(8)} ${'enforcing decisions'.padStart(20)} ${'alerts'.padStart(7)}`,
    );
    for (const [k, t] of Object.entries(r.traps).sort()) {
      out.push(
        `${k.padEnd(40)} ${String(t.users).padStart(6)} ${String(t.usersAffected).padStart(8)} ${String(t.enforcingDecisions).padStart(20)} ${String(t.alerts).padStart(7)}`,
      );
    }
    const p = r.plainCustomers;
    const d = r.decisions;
    out.push(
      `plain customers: ${p.affected} of ${p.users} affected (${pct(p.share)}), ${p.requestsStopped} requests stopped`,
    );
    for (const [k, n] of Object.entries(p.stoppedBy)) out.push(`  stopped by ${k}: ${n}`);
    for (const [k, n] of Object.entries(r.trapDecisionsBy)) out.push(`  trap decision ${k}: ${n}`);
    for (const [k, n] of Object.entries(r.trapRequestsStoppedBy)) out.push(`  trap requests stopped ${k}: ${n}`);
    out.push(
      `decisions: ${d.total}; enforcing on entities ${d.enforcingEntity}, on attackers ${d.onAttackers} (block precision ${pct(d.blockPrecision)}); ` +
        `signatures ${d.signatures}, matched ${d.signatureRequestsMatched} requests, ${pct(d.signaturePrecision)} of them attacks`,
    );
    out.push('');
  }
  if (results.length > 1) {
    const w = worstOf(results.map((r) => r.report));
    out.push('== worst across sources');
    for (const [k, v] of Object.entries(w)) out.push(`${k.padEnd(50)} ${v}`);
    out.push('');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Per target, the worst value any source gave: min recall / stopped share, max harm and time to detect. */
export function worstOf(reports: readonly WholePathReport[]): Record<string, number | null> {
  const w: Record<string, number | null> = {};
  const min = (k: string, v: number) => (w[k] = w[k] === undefined || w[k] === null ? v : Math.min(w[k]!, v));
  const max = (k: string, v: number | null) => {
    if (v === null) return;
    w[k] = w[k] === undefined || w[k] === null ? v : Math.max(w[k]!, v);
  };
  for (const r of reports) {
    for (const [k, s] of Object.entries(r.byStyle)) {
      min(`${k} recall`, s.recall);
      min(`${k} requests stopped`, s.stoppedShare);
      if (s.loginAttempts) min(`${k} login attempts stopped`, s.loginAttemptsStopped / s.loginAttempts);
      max(`${k} median TTD s`, s.medianTimeToDetectSec);
    }
    for (const [k, t] of Object.entries(r.traps)) {
      max(`trap ${k} users affected`, t.usersAffected);
      max(`trap ${k} enforcing decisions`, t.enforcingDecisions);
    }
    max('plain customers affected share', r.plainCustomers.share);
    min('block precision', r.decisions.blockPrecision);
  }
  return w;
}
