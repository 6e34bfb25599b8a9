/**
 * The champion/challenger shadow comparison (libs/detection shadow/shadow-comparison.ts) as lines for
 * stderr, in the style of the run summary (detection-tally.ts): per detector a headline — targets each
 * side decided, both, only one, the agreement — then the table by action, the score and time-to-first-
 * decision differences, and the labeled classes when labels were given.
 */
import type { DetectorComparison, DistributionSummary, ShadowReport } from '@vigil/detection';
import { formatCount } from './progress';

const signed = (x: number, digits: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;

function spread(d: DistributionSummary, digits: number, unit = ''): string {
  return (
    `median ${signed(d.median, digits)}${unit}, mean ${signed(d.mean, digits)}${unit}, ` +
    `p10 ${signed(d.p10, digits)}${unit}, p90 ${signed(d.p90, digits)}${unit} (${formatCount(d.n)} targets)`
  );
}

function detectorLines(c: DetectorComparison, labeled: boolean): string[] {
  const t = c.targets;
  const by = Object.entries(c.championOnlyBy)
    .map(
      ([scope, versions]) =>
        `${scope}: ${Object.entries(versions)
          .map(([v, n]) => `${n} by ${v === 'baseline-1' ? 'baselines' : `model ${v}`}`)
          .join(', ')}`,
    )
    .join('; ');
  const versions = `${c.championVersions.join('+') || '-'} vs ${c.challengerVersions.join('+') || '-'}`;
  const lines = [
    `    ${c.detector} (${versions}): champion ${formatCount(t.champion)} targets, challenger ${formatCount(t.challenger)}; ` +
      `both ${formatCount(t.both)} (same action ${formatCount(c.agreement.sameAction)}), ` +
      `only champion ${formatCount(t.championOnly)}${by ? ` (${by})` : ''}, only challenger ${formatCount(t.challengerOnly)}; ` +
      `agreement ${c.agreement.rate.toFixed(3)}`,
  ];
  if (c.byAction.length) {
    lines.push(
      `      ${'action'.padEnd(15)}${'champion'.padStart(9)}${'challenger'.padStart(11)}${'both'.padStart(7)}${'only champion'.padStart(15)}${'only challenger'.padStart(17)}`,
    );
    for (const a of c.byAction)
      lines.push(
        `      ${a.action.padEnd(15)}${String(a.champion).padStart(9)}${String(a.challenger).padStart(11)}${String(a.both).padStart(7)}${String(a.championOnly).padStart(15)}${String(a.challengerOnly).padStart(17)}`,
      );
  }
  if (c.scoreDelta) lines.push(`      score, challenger − champion: ${spread(c.scoreDelta, 3)}`);
  const f = c.firstDecisionDeltaSec;
  if (f)
    lines.push(
      `      first decision, challenger − champion: ${spread(f, 0, ' s')}; challenger earlier on ${f.challengerEarlier}, same ${f.same}, later ${f.challengerLater}`,
    );
  if (labeled && c.byLabel.length) {
    lines.push('      by label (champion / challenger / both):');
    for (const l of c.byLabel)
      lines.push(
        `        ${l.label.padEnd(48)} ${`${l.champion} / ${l.challenger} / ${l.both}`.padStart(18)}` +
          (l.championOnly || l.challengerOnly
            ? `   only champion ${l.championOnly}, only challenger ${l.challengerOnly}`
            : ''),
      );
  }
  return lines;
}

export function shadowReportLines(r: ShadowReport, note?: string): string[] {
  const lines = [
    `  champion vs shadow challenger: ${formatCount(r.decisions.champion)} champion and ${formatCount(r.decisions.challenger)} challenger decisions ` +
      '(targets per detector; agreement = targets both gave the same strongest action ÷ targets either decided):',
  ];
  if (note) lines.push(`    note: ${note}`);
  if (!r.detectors.length) lines.push('    no detector has challenger decisions to compare');
  for (const c of r.detectors) lines.push(...detectorLines(c, r.labeled));
  if (r.forgottenTargets) lines.push(`    (${formatCount(r.forgottenTargets)} oldest targets forgotten under the cap)`);
  return lines;
}
