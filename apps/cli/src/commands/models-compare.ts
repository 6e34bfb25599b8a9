/**
 * `vigil models compare --champion DIR --challenger DIR`: the running model set against a retrained one,
 * on the whole path (decode → windows → detectors → policy, every request judged against the decisions
 * in force at its own time), over the bank's held-back hours (--input with its labels and a --from/--to
 * window) and over fresh simulated seeds, per attack style and per benign class, then the promotion rule
 * (libs/training evaluate/promotion.ts). Both model sets read the same events in the same pass. Exit code
 * 1 when the rule refuses the challenger, naming each set, style or class that regressed.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DetectionPipeline } from '@vigil/detection';
import { parseSourceConfig, type AccessEvent, type SourceConfig } from '@vigil/events';
import { MemoryWindowStore } from '@vigil/features';
import { MANIFEST_FILE } from '@vigil/models';
import { readConfigFile } from '@vigil/platform';
import { Simulation, sourceConfigFor, type LabelsFile } from '@vigil/simulator';
import {
  describeRegression,
  HistoryStream,
  LabelIndex,
  poolReports,
  promotionVerdict,
  prepareHistory,
  SimulatedRun,
  WholePathEvaluator,
  type Comparison,
  type EvaluationSet,
  type PromotionVerdict,
  type WholePathReport,
} from '@vigil/training';
import { setupDetection, splitConfigSections, type DetectionSetup } from '../detection-setup';
import { UsageError } from '../errors';
import { formatCount, Progress } from '../progress';
import { loadHistory, simProfileOf, type HistoryOptions } from './history-options';
import { backendOption, parseNumberList, positive } from './train';

export interface CompareOptions extends HistoryOptions {
  champion: string;
  challenger: string;
  simulateSeeds?: string;
  minutes: string;
  scales: string;
  recallMargin: string;
  stoppedMargin: string;
  harmMargin: string;
  json?: string;
  backend?: string;
  progress: boolean;
}

/** One evaluation source: its events, how a request is labeled, and the labels to report against. */
interface CompareSource {
  readonly set: 'held-back history' | 'simulated seeds';
  readonly name: string;
  readonly sourceConfig: SourceConfig;
  readonly batches: () => AsyncIterable<readonly AccessEvent[]>;
  /** The group of each event (set before the pipelines see it). */
  readonly groupOfEvent: (e: AccessEvent) => string | null;
  readonly labels: () => LabelsFile;
}

export const COMPARE_HELP = `
Examples:
  vigil models compare --champion models --challenger my-models \\
      --input 'history/2026-03-04/*.log.gz' --source kong --labels soc/incidents.ndjson \\
      --simulate-seeds 5001-5003
  vigil models compare --champion models --challenger my-models --simulate-seeds 5001-5006 --json cmp.json

Evaluation sets: the held-back history (--input, --source, --labels and the label files beside the logs,
optionally --from/--to: hours the challenger was not trained on; --inject-attacks adds simulated
campaigns to it) and simulated seeds (--simulate-seeds, --minutes, --scales). Each set's sources are
pooled: per attack style the entity recall and the share of attack requests stopped, per benign class
(carrier_nat, corporate_nat, aggregator, api_client, uptime_monitor, search_crawler, traveller, and
plain customers) the share of users affected by an enforcing decision, with 95 % Wilson intervals.

Promotion rule: the challenger is promoted only when, in every set, no style's recall or stopped share
falls by more than --recall-margin / --stopped-margin and no benign class's affected share rises by more
than --harm-margin. Otherwise it is refused (exit code 1) and each regression is named. In the held-back
history, labels are joined to requests by entity and time (an address inside a campaign's span, a
benign address, principal or key); requests need a request id.`;

export async function compareModels(opts: CompareOptions): Promise<PromotionVerdict> {
  for (const [flag, dir] of [
    ['--champion', opts.champion],
    ['--challenger', opts.challenger],
  ] as const) {
    if (!existsSync(dir)) throw new UsageError(`${flag} ${dir} does not exist`);
  }
  const margins = {
    recall: margin(opts.recallMargin, '--recall-margin'),
    stopped: margin(opts.stoppedMargin, '--stopped-margin'),
    harm: margin(opts.harmMargin, '--harm-margin'),
  };
  const raw = opts.config ? readConfigFile(opts.config) : {};
  const sections = splitConfigSections(raw);
  const sources: CompareSource[] = [];
  if (opts.input?.length) sources.push(await historySource(opts, opts.challenger));
  if (opts.simulateSeeds) sources.push(...simulatedSources(opts));
  if (!sources.length) throw new UsageError('give held-back history (--input with --labels) and/or --simulate-seeds');

  const reports: Record<'champion' | 'challenger', Record<string, WholePathReport[]>> = {
    champion: {},
    challenger: {},
  };
  let setups: { champion: DetectionSetup; challenger: DetectionSetup } | null = null;
  for (const src of sources) {
    setups ??= {
      champion: await setupDetection(sections.policy, src.sourceConfig, {
        models: opts.champion,
        backend: backendOption(opts.backend),
      }),
      challenger: await setupDetection(sections.policy, src.sourceConfig, {
        models: opts.challenger,
        backend: backendOption(opts.backend),
      }),
    };
    if (opts.progress && src === sources[0]) {
      process.stderr.write(`compare: champion ${setups.champion.describe()}\n`);
      process.stderr.write(`compare: challenger ${setups.challenger.describe()}\n`);
    }
    const out = await runBoth(src, setups, opts.progress);
    (reports.champion[src.set] ??= []).push(out.champion);
    (reports.challenger[src.set] ??= []).push(out.challenger);
  }
  const sets: EvaluationSet[] = Object.keys(reports.champion).map((name) => ({
    name,
    champion: poolReports(reports.champion[name]!),
    challenger: poolReports(reports.challenger[name]!),
  }));
  const verdict = promotionVerdict(sets, margins);
  printVerdict(opts, sets, verdict);
  if (opts.json) {
    writeFileSync(
      opts.json,
      `${JSON.stringify({ champion: opts.champion, challenger: opts.challenger, sources: sources.map((s) => ({ set: s.set, name: s.name })), sets, verdict, reports }, null, 2)}\n`,
    );
    process.stderr.write(`compare: report written to ${opts.json}\n`);
  }
  return verdict;
}

function margin(value: string, flag: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new UsageError(`${flag} must be a number in [0, 1), got "${value}"`);
  return n;
}

/**
 * Runs the champion's and the challenger's whole path over one source's events in one pass. A request's
 * label is looked up once, before the pipelines see it, and handed to each evaluator when its batch
 * closes (the pipelines hold events across pushes): the ledger forgets a request after both have read it.
 */
async function runBoth(
  src: CompareSource,
  setups: { champion: DetectionSetup; challenger: DetectionSetup },
  showProgress: boolean,
): Promise<{ champion: WholePathReport; challenger: WholePathReport }> {
  const ledger = new Map<string, { group: string; reads: number }>();
  const groupOf = (id: string | null): string | null => {
    if (id === null) return null;
    const entry = ledger.get(id);
    if (!entry) return null;
    if (++entry.reads >= 2) ledger.delete(id);
    return entry.group;
  };
  const side = (setup: DetectionSetup) => {
    const evaluator = new WholePathEvaluator(groupOf);
    const engine = setup.createEngine();
    const pipeline = new DetectionPipeline({
      store: new MemoryWindowStore(),
      engine,
      sinks: { decisions: (ds) => evaluator.onDecisions(ds), alerts: (as) => evaluator.onAlerts(as) },
      afterBatch: (events) => evaluator.onEvents(events, engine.policy),
    });
    return { evaluator, pipeline };
  };
  const a = side(setups.champion);
  const b = side(setups.challenger);
  const progress = new Progress({ label: `compare ${src.name}`, unit: 'events', enabled: showProgress });
  let n = 0;
  try {
    for await (const events of src.batches()) {
      for (const e of events) {
        if (e.requestId === null) continue;
        const g = src.groupOfEvent(e);
        if (g !== null) ledger.set(e.requestId, { group: g, reads: 0 });
      }
      await a.pipeline.push(events);
      await b.pipeline.push(events);
      n += events.length;
      progress.update(n);
    }
    await a.pipeline.flush();
    await b.pipeline.flush();
  } finally {
    progress.finish();
  }
  const labels = src.labels();
  return { champion: a.evaluator.report(labels), challenger: b.evaluator.report(labels) };
}

async function historySource(opts: CompareOptions, challenger: string): Promise<CompareSource> {
  const h = await loadHistory(opts);
  const src = h.source;
  if (!src.labelSets.length && !src.overlays?.length)
    throw new UsageError('the held-back --input has no labels: add --labels (or --inject-attacks)');
  warnIfTrainedOn(challenger, src.window ?? {}, h.files);
  const labels = new LabelIndex();
  const { span, overlays: prepared } = prepareHistory(src, labels);
  const overlays = prepared.map((o) => o.sim.overlay);
  // Simulated requests are labeled exactly, by request id.
  const exact = prepared.map((o) => (e: AccessEvent) => o.groupOf(e.requestId));
  const name = `${h.files.length} file${h.files.length === 1 ? '' : 's'}${span.hours ? `, ${span.hours.toFixed(1)} h` : ''}`;
  return {
    set: 'held-back history',
    name,
    sourceConfig: h.config,
    batches: () => {
      const stream = new HistoryStream(src.files, src.decoder, overlays, src.window ?? {});
      return {
        async *[Symbol.asyncIterator]() {
          for await (const b of stream.batches()) {
            labels.observe(b);
            yield b;
          }
        },
      };
    },
    groupOfEvent: (e) => {
      for (const f of exact) {
        const g = f(e);
        if (g !== null) return labels.noteSeen(g, e);
      }
      return labels.judge(e);
    },
    // Recall over the entities the held-back hours hold: a campaign that ran for hours before the
    // window is judged on the addresses and accounts it used inside it.
    labels: () => labels.toLabelsFile({ seenOnly: true }),
  };
}

function simulatedSources(opts: CompareOptions): CompareSource[] {
  const seeds = parseNumberList(opts.simulateSeeds!, '--simulate-seeds');
  const minutes = positive(opts.minutes, '--minutes');
  const scales = parseNumberList(opts.scales, '--scales');
  const profile = simProfileOf(opts.simProfile);
  const trusted = Simulation.networks(profile).trustedProxies;
  const sourceConfig = parseSourceConfig(sourceConfigFor('kong', {}, { trustedProxies: trusted }), 'simulator');
  return seeds.map((seed, i) => {
    const run = new SimulatedRun({
      seed,
      minutes,
      scale: scales[i % scales.length]!,
      trackGroups: true,
      ...(profile !== 'bank' ? { profile } : {}),
    });
    return {
      set: 'simulated seeds' as const,
      name: run.name,
      sourceConfig,
      batches: async function* () {
        yield* run.events();
      },
      groupOfEvent: (e) => run.groupOf(e.requestId),
      labels: () => run.labels(),
    };
  });
}

/** Held-back hours that the challenger was trained on make the comparison meaningless: say so loudly. */
function warnIfTrainedOn(
  challenger: string,
  window: { fromMs?: number; toMs?: number },
  files: readonly { firstTs: number; lastTs: number }[],
): void {
  const from = Math.max(window.fromMs ?? -Infinity, Math.min(...files.map((f) => f.firstTs)));
  const to = Math.min(window.toMs ?? Infinity, Math.max(...files.map((f) => f.lastTs)));
  const seen: string[] = [];
  for (const m of manifestsUnder(challenger)) {
    const h = (m['training'] as { provenance?: { history?: { from?: string; to?: string } } } | undefined)?.provenance
      ?.history;
    if (!h?.from || !h.to) continue;
    if (Date.parse(h.from) <= to && Date.parse(h.to) >= from)
      seen.push(`${String(m['detector'])} (${h.from} – ${h.to})`);
  }
  if (seen.length)
    process.stderr.write(
      `compare: WARNING: the challenger was trained on history that overlaps the held-back hours ` +
        `${new Date(from).toISOString()} – ${new Date(to).toISOString()}: ${seen.join(', ')}; ` +
        'use --from/--to (or other files) to compare on hours it has not seen\n',
    );
}

function manifestsUnder(root: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (d: string, depth: number) => {
    if (existsSync(join(d, MANIFEST_FILE))) {
      try {
        out.push(JSON.parse(readFileSync(join(d, MANIFEST_FILE), 'utf8')) as Record<string, unknown>);
      } catch {
        // the loader reports a broken manifest when the set is loaded
      }
      return;
    }
    if (depth > 2) return;
    for (const name of readdirSync(d, { withFileTypes: true }))
      if (name.isDirectory()) walk(join(d, name.name), depth + 1);
  };
  walk(root, 0);
  return out;
}

const f3 = (x: number) => x.toFixed(3);

function cell(x: Comparison['champion']): string {
  return x.of === 0 ? '-' : `${f3(x.share)} [${f3(x.interval.low)}–${f3(x.interval.high)}] ${x.value}/${x.of}`;
}

function printVerdict(opts: CompareOptions, sets: readonly EvaluationSet[], v: PromotionVerdict): void {
  const out: string[] = [];
  out.push(`champion ${opts.champion}  vs  challenger ${opts.challenger}`);
  for (const s of sets) {
    out.push('');
    out.push(
      `== ${s.name}: ${s.champion.sources} source${s.champion.sources === 1 ? '' : 's'}, ${formatCount(s.champion.events)} events`,
    );
    out.push(
      `${'attack style / benign class'.padEnd(42)} ${'figure'.padEnd(15)} ${'champion'.padEnd(30)} ${'challenger'.padEnd(30)} verdict`,
    );
    for (const c of v.comparisons.filter((x) => x.set === s.name)) {
      out.push(
        `${c.key.padEnd(42)} ${c.metric.padEnd(15)} ${cell(c.champion).padEnd(30)} ${cell(c.challenger).padEnd(30)} ${c.verdict}`,
      );
    }
  }
  out.push('');
  out.push(
    `promotion rule: no attack style's recall or stopped share down by more than ${v.margins.recall} / ${v.margins.stopped}, ` +
      `no benign class's users-affected share up by more than ${v.margins.harm}, in any set`,
  );
  if (v.promote)
    out.push(
      `PROMOTE: the challenger is no worse beyond the margins anywhere (better on ${v.better} of ${v.comparisons.length} figures)`,
    );
  else {
    out.push(
      `REFUSED: the challenger regressed on ${v.regressions.length} figure${v.regressions.length === 1 ? '' : 's'}:`,
    );
    for (const r of v.regressions) out.push(`  - ${describeRegression(r)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
