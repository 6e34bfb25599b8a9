/**
 * `vigil models shadow-report --decisions FILE|-`: the champion/challenger comparison of a run's
 * decisions, after the fact — a decisions file of `vigil replay` / `vigil run --shadow-models`, or a
 * dump of the detector service's decisions topic with `detection.shadowModels` set (decision-records.ts
 * reads the usual dump formats). With --labels (simulator labels.json or the incident format, as for
 * `vigil train`), each side's targets are named by attack style and benign class.
 */
import { DEVELOPMENT_HASH_KEY, IdHasher } from '@vigil/events';
import { compareShadowDecisions, type Decision, type ShadowReport, type ShadowSide } from '@vigil/detection';
import { LabelIndex } from '@vigil/training';
import { readDecisionFile, type DecisionFileTally } from '../decision-records';
import { UsageError } from '../errors';
import { shadowReportLines } from '../shadow-report-lines';
import { readLabelSet } from './history-options';

export interface ShadowReportOptions {
  decisions: string;
  labels?: string[];
  detectors?: string;
  challengerVersion?: string;
  json?: boolean;
}

export const SHADOW_REPORT_HELP = `
Examples:
  vigil replay -s kong -i day.log.gz --shadow-models my-models/credential-stuffing/1.1.0 --decisions d.ndjson
  vigil models shadow-report --decisions d.ndjson --labels soc/incidents.ndjson soc/benign.ndjson
  kcat -b kafka:9092 -C -t vigil.decisions -e -K'\\t' > topic.tsv && vigil models shadow-report --decisions topic.tsv --json

Sides: a decision with "shadow": false is the champion's (the active models and the baselines, what was
enforced); one with "shadow": true and a model version (not baseline-1) is the challenger's
(--challenger-version V: only that version). A policy that runs a detector in shadow writes its
champion decisions as shadow too: compare such a detector with --challenger-version, whose version
must differ from the champion's.

Per detector (those with challenger decisions, or --detectors): the targets (scope:value) each side
decided, both, only the champion — by what decided them, its model (a version) or its baselines
(baseline-1), which a promotion keeps — and only the challenger, per strongest action (block >
revoke_session > step_up > challenge > throttle > monitor); the agreement (targets both gave the same
strongest action ÷ targets either decided); on targets both decided, the challenger's highest score
minus the champion's and the seconds from the champion's first decision to the challenger's (negative:
the challenger was first). An extension (the same id, later) raises a score, never moves a first
decision. With --labels: per attack style (attack:<type>/<style>) and benign class (benign:<class>),
and unlabeled targets, what each side decided.

Input: NDJSON decisions (.gz read through; - for stdin), or a decisions-topic dump: one value a line,
key TAB value, or kcat -J envelopes; tombstones are counted and skipped, other lines counted as
unreadable. The topic is compacted (keyed scope:value, a shadow decision shadow|scope:value): a dump
taken after compaction holds each side's latest decision per target — targets and actions hold, but
first-decision times are the latest ones. Principals in incident-format labels are hashed with
VIGIL_HASH_KEY (else the development key), as the decisions' principals were.`;

export interface ShadowReportResult {
  readonly input: DecisionFileTally & { readonly file: string };
  readonly report: ShadowReport;
}

export async function shadowReport(opts: ShadowReportOptions, env = process.env): Promise<ShadowReportResult> {
  const labels = opts.labels?.length ? readLabels(opts.labels, env) : null;
  const detectors = opts.detectors
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const version = opts.challengerVersion;
  const sideOf = version
    ? (d: Decision): ShadowSide | null => (!d.shadow ? 'champion' : d.modelVersion === version ? 'challenger' : null)
    : undefined;
  const tally: DecisionFileTally = { decisions: 0, tombstones: 0, unreadable: 0, firstProblem: null };
  let source: AsyncGenerator<Decision>;
  try {
    source = readDecisionFile(opts.decisions, tally);
  } catch (err) {
    throw new UsageError(`--decisions: ${(err as Error).message}`);
  }
  const all: Decision[] = [];
  for await (const d of source) all.push(d);
  if (!tally.decisions)
    throw new UsageError(
      `--decisions ${opts.decisions}: no decisions in it${tally.firstProblem ? ` (${tally.unreadable} unreadable lines; ${tally.firstProblem})` : ''}`,
    );
  const report = compareShadowDecisions(all, {
    ...(detectors?.length ? { detectors } : {}),
    ...(sideOf ? { sideOf } : {}),
    ...(labels ? { labelOf: (scope, value, ts) => labels.labelOfTarget(scope, value, ts) } : {}),
  });
  return { input: { file: opts.decisions, ...tally }, report };
}

function readLabels(paths: readonly string[], env: NodeJS.ProcessEnv): LabelIndex {
  const hasher = new IdHasher(env['VIGIL_HASH_KEY'] || DEVELOPMENT_HASH_KEY);
  const index = new LabelIndex();
  for (const p of paths) {
    const set = readLabelSet(p, hasher);
    if (set.labels) index.addLabelsFile(set.labels, set.name);
    if (set.incidents) index.addIncidentFile(set.incidents, set.name);
  }
  return index;
}

export function printShadowReport(r: ShadowReportResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  const i = r.input;
  const lines = [
    `shadow report ${i.file}: ${i.decisions} decision records` +
      (i.tombstones ? `, ${i.tombstones} tombstones` : '') +
      (i.unreadable ? `, ${i.unreadable} unreadable lines (${i.firstProblem})` : ''),
    ...shadowReportLines(r.report),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
