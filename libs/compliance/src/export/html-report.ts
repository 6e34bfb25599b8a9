/**
 * `report.html`: one self-contained page (no script, no external request — a CSP says so), printable
 * (a print stylesheet; `report.pdf` is this page printed by headless Chromium). A summary per framework,
 * charts as inline SVG, then each control with its status, reason, figures and the records behind it,
 * then the evidence classes and the inputs with their retention. Every value is escaped.
 */
import { FRAMEWORKS } from '../catalogue/controls';
import type { ComplianceReport, ControlResult } from '../evaluate/compliance-report';
import type { Counts, RecordRef } from '../evidence/evidence';
import { formatDuration } from '../evidence/ingest-evidence';
import { esc, histogram, horizontalBars, stackedTimeline } from './svg-charts';

const STATUS_LABEL = { satisfied: 'Satisfied', 'not-satisfied': 'Not satisfied', 'not-applicable': 'Not applicable' };

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--na:#6e7781;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0}
header,main{max-width:1100px;margin:0 auto;padding:16px 24px}
header{border-bottom:1px solid var(--line)}h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0}.meta{color:#57606a;font-size:13px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--bg)}td.n{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.satisfied{background:var(--ok)}.not-satisfied{background:var(--bad)}.not-applicable{background:var(--na)}
.control{border:1px solid var(--line);border-left:6px solid var(--na);border-radius:4px;padding:10px 12px;margin:10px 0;break-inside:avoid}
.control.s-satisfied{border-left-color:var(--ok)}.control.s-not-satisfied{border-left-color:var(--bad)}
.control .head{display:flex;gap:10px;align-items:baseline;justify-content:space-between}.reason{margin:6px 0}
.small{font-size:12px;color:#57606a}figure{margin:8px 0 16px}figcaption{font-size:12px;color:#57606a}
nav a{margin-right:12px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:8px}
.card{border:1px solid var(--line);border-radius:4px;padding:8px 10px}.card b{font-size:20px;display:block}
@media print{
  @page{size:A4;margin:14mm}
  body{font-size:11px}header,main{max-width:none;padding:0}nav{display:none}
  .control,figure,table{break-inside:avoid}h2{break-after:avoid}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}`;

export function complianceHtml(report: ComplianceReport): string {
  const e = report.evidence;
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
      `<meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>Vigil compliance report ${esc(report.period.from)} – ${esc(report.period.to)}</title><style>${CSS}</style></head><body>`,
  );
  parts.push(
    `<header><h1>Compliance evidence: ${esc(report.period.from)} – ${esc(report.period.to)}</h1>` +
      `<div class="meta">Period by ${esc(report.period.clock)} (half-open: from ≤ t &lt; to). Generated ${esc(report.generatedAt)} (wall time) by ${esc(report.tool.name)} ${esc(report.tool.version)}. ` +
      `Frameworks: ${report.frameworks.map((f) => esc(f.title)).join(', ')}.</div>` +
      `<nav class="small"><a href="#summary">Summary</a><a href="#charts">Charts</a>${report.frameworks
        .map((f) => `<a href="#fw-${esc(f.id)}">${esc(f.title)}</a>`)
        .join('')}<a href="#evidence">Evidence</a><a href="#inputs">Inputs and retention</a></nav></header><main>`,
  );

  // Summary
  parts.push(
    `<h2 id="summary">Summary</h2><table><tr><th>Framework</th><th>Satisfied</th><th>Not satisfied</th><th>Not applicable</th></tr>`,
  );
  for (const f of report.frameworks) {
    const s = report.summary[f.id]!;
    parts.push(
      `<tr><td><a href="#fw-${esc(f.id)}">${esc(f.title)}</a></td><td class="n">${s.satisfied}</td><td class="n">${s['not-satisfied']}</td><td class="n">${s['not-applicable']}</td></tr>`,
    );
  }
  parts.push('</table>');
  const a = e['audit-integrity'];
  parts.push(
    `<div class="grid">` +
      card(
        'Audit trail',
        a.intact ? 'intact' : 'BROKEN',
        a.verification
          ? `${a.verification.lines} lines, ${a.verification.checkpoints} checkpoints${a.verification.checkpointsVerified ? ', MACs verified' : ', MACs not verified'}`
          : 'not given',
      ) +
      card('Alerts', String(e.detections.alerts), `${Object.keys(e.detections.byDetector).length} detectors`) +
      card(
        'Decisions',
        String(e.actions.decisions),
        `${e.actions.enforcing} enforcing, ${e.actions.shadow} shadow, ${e.actions.extensions} extensions`,
      ) +
      card(
        'Time to decide (p90)',
        e['time-to-decide'].distribution.p90Ms === null ? '–' : `${e['time-to-decide'].distribution.p90Ms} ms`,
        `${e['time-to-decide'].episodes} episodes`,
      ) +
      card('Endpoints', String(e.inventory.endpoints), `${e.inventory.hosts.length} hosts`) +
      card('Control failures', String(e.coverage.failures.length), 'stream gaps, audit breaks, dead letters') +
      `</div>`,
  );

  // Charts
  parts.push(`<h2 id="charts">Charts</h2>`);
  parts.push(stackedTimeline('Detections over time by detector', e.detections.timeline));
  parts.push(horizontalBars('Decisions by action', e.actions.byAction));
  parts.push(horizontalBars('Decisions by action and scope', e.actions.byActionScope));
  parts.push(
    histogram('Time from first alert to first decision (episodes)', e['time-to-decide'].distribution.histogram),
  );

  // Controls
  for (const f of report.frameworks) {
    parts.push(`<h2 id="fw-${esc(f.id)}">${esc(FRAMEWORKS[f.id].title)}</h2>`);
    for (const c of report.controls.filter((x) => x.framework === f.id)) parts.push(controlHtml(c));
  }

  // Evidence
  parts.push(`<h2 id="evidence">Evidence</h2>`);
  parts.push(`<h3>Audit-trail integrity</h3>`);
  parts.push(
    table(
      [
        'file',
        'intact',
        'lines',
        'records',
        'checkpoints',
        'MACs verified',
        'unsigned tail',
        'development key',
        'first break',
      ],
      [
        [
          a.file ?? '–',
          String(a.intact),
          String(a.verification?.lines ?? '–'),
          String(a.verification?.records ?? '–'),
          String(a.verification?.checkpoints ?? '–'),
          String(a.verification?.checkpointsVerified ?? '–'),
          String(a.verification?.uncheckpointedTail ?? '–'),
          String(a.developmentKey),
          a.firstBreak
            ? `line ${a.firstBreak.line}${a.firstBreak.seq !== null ? `, seq ${a.firstBreak.seq}` : ''}${a.firstBreak.recordId ? `, ${a.firstBreak.recordKind} ${a.firstBreak.recordId}` : ''}: ${a.firstBreak.reason} ${a.firstBreak.detail}`
            : 'none',
        ],
      ],
    ),
  );
  if (a.verification?.lastCheckpoint)
    parts.push(
      `<p class="small">Last checkpoint: line ${a.verification.lastCheckpoint.line}, seq ${a.verification.lastCheckpoint.seq}, <code>${esc(a.verification.lastCheckpoint.hash)}</code> — keep it elsewhere: a trail cut right after a checkpoint still verifies.</p>`,
    );

  parts.push(`<h3>Detections</h3>`);
  parts.push(countsTable('detector severity', e.detections.byDetectorSeverity));
  parts.push(countsTable('entity type', e.detections.byEntityType));
  parts.push(`<h3>Actions</h3>`);
  parts.push(countsTable('detector action scope', e.actions.byDetectorActionScope));
  parts.push(
    `<p class="small">${e.actions.records} decision records in the period: ${e.actions.decisions} decisions and ${e.actions.extensions} extensions of a decision in force.</p>`,
  );
  const t = e['time-to-decide'];
  parts.push(`<h3>Time to decide</h3><p class="small">${esc(t.method)}</p>`);
  parts.push(
    table(
      ['detector', 'episodes', 'decided', 'p50 ms', 'max ms'],
      Object.entries(t.byDetector).map(([d, v]) => [
        d,
        String(v.episodes),
        String(v.decided),
        String(v.p50Ms ?? '–'),
        String(v.maxMs ?? '–'),
      ]),
    ),
  );
  const ia = e['invalid-authentication'];
  parts.push(`<h3>Invalid authentication attempts</h3>`);
  parts.push(
    table(
      ['endpoint', 'requests', 'failed (401/403)', 'throttled (429)'],
      ia.endpoints.map((x) => [x.id, String(x.requests), String(x.failed), String(x.throttled)]),
    ),
  );
  parts.push(countsTable('what was done (credential detectors)', ia.decisionsByActionScope));
  const am = e['account-monitoring'];
  parts.push(
    `<h3>Accounts monitored</h3><p>${am.authenticatedRequests ?? '–'} authenticated requests; ${am.principalsAlerted} accounts and ${am.sessionsAlerted} sessions alerted on.</p>`,
  );
  parts.push(countsTable('action on accounts and sessions', am.decisionsByAction));
  parts.push(`<h3>Exceptions and their disposition</h3>`);
  parts.push(
    table(
      ['exception', 'count', 'disposition', 'by rule'],
      (['allowlisted', 'shadow', 'guarded', 'alertOnly'] as const).map((k) => {
        const x = e.exceptions[k];
        return [
          k,
          String(x.count),
          x.disposition,
          Object.entries(x.byRule)
            .map(([r, n]) => `${r}: ${n}`)
            .join('; ') || '–',
        ];
      }),
    ),
  );
  const inv = e.inventory;
  parts.push(`<h3>Inventory</h3>`);
  parts.push(
    table(
      ['host', 'endpoints', 'requests', 'first seen', 'last seen'],
      inv.hosts.map((h) => [
        h.host,
        String(h.endpoints),
        String(h.requests),
        h.span?.first ?? '–',
        h.span?.last ?? '–',
      ]),
    ),
  );
  parts.push(
    `<p class="small">Documentation: ${esc(fmtCounts(inv.documentation))}. Exposure: ${esc(fmtCounts(inv.exposure))}. Auth coverage: ${esc(fmtCounts(inv.authCoverage))}. ` +
      `${inv.zombie.length} zombie, ${inv.orphans.length} orphan, ${inv.authGaps.length} auth gaps, ${inv.sensitiveEndpoints} sensitive endpoints, ${inv.highRisk.length} high risk. ` +
      (inv.drift
        ? `Drift against ${esc(inv.drift.baseline)}: ${inv.drift.new.length} new, ${inv.drift.changed.length} changed, ${inv.drift.unused.length} unused.`
        : 'No baseline inventory: drift not computed.') +
      `</p>`,
  );
  if (inv.authGaps.length)
    parts.push(
      table(
        ['auth gap', 'coverage', 'authenticated share'],
        inv.authGaps.map((g) => [g.id, g.coverage, g.authenticatedShare.toFixed(2)]),
      ),
    );
  if (inv.drift && (inv.drift.new.length || inv.drift.changed.length || inv.drift.unused.length))
    parts.push(
      table(
        ['drift', 'endpoint', 'fields'],
        [
          ...inv.drift.new.map((id) => ['new', id, '']),
          ...inv.drift.changed.map((c) => ['changed', c.id, c.fields.join(', ')]),
          ...inv.drift.unused.map((id) => ['unused', id, '']),
        ],
      ),
    );
  const cov = e.coverage;
  parts.push(`<h3>Coverage per gateway</h3>`);
  parts.push(
    table(
      ['gateway', 'input', 'records', 'events', 'dead letters', 'accounted', 'first event', 'last event', 'gaps'],
      cov.sources.map((s) => [
        s.gateway,
        s.name,
        String(s.records ?? '–'),
        String(s.events ?? '–'),
        `${s.deadLettered ?? '–'}${Object.keys(s.deadLetterReasons).length ? ` (${fmtCounts(s.deadLetterReasons)})` : ''}`,
        String(s.accounted ?? '–'),
        s.eventSpan?.first ?? '–',
        s.eventSpan?.last ?? '–',
        `${s.gaps.length}${s.gapsComplete ? '' : ' (edges only)'}${s.eventSpanFrom ? `, span from ${s.eventSpanFrom}` : ''}`,
      ]),
    ),
  );
  parts.push(
    cov.failures.length
      ? table(
          ['failure', 'source', 'start', 'end', 'duration', 'detail'],
          cov.failures.map((f) => [
            f.kind,
            f.source,
            f.start ?? '–',
            f.end ?? '–',
            f.durationSeconds === null ? '–' : formatDuration(f.durationSeconds),
            f.detail,
          ]),
        )
      : `<p>No control failure found (gap threshold ${cov.gapMinutes} min).</p>`,
  );
  parts.push(`<p class="small">What the ingest record does not say: ${cov.missing.map(esc).join('; ')}.</p>`);

  parts.push(`<h2 id="inputs">Inputs and retention</h2><p>${esc(e.retention.clock)}</p>`);
  parts.push(
    table(
      ['input', 'file', 'records', 'event time: first', 'event time: last', 'wall time', 'SHA-256'],
      e.retention.inputs.map((i) => [
        i.role,
        i.file,
        String(i.records ?? '–'),
        i.eventSpan?.first ?? '–',
        i.eventSpan?.last ?? '–',
        i.wallSpan
          ? i.wallSpan.first === i.wallSpan.last
            ? i.wallSpan.first
            : `${i.wallSpan.first} – ${i.wallSpan.last}`
          : '–',
        i.sha256 ?? '–',
      ]),
      [6],
    ),
  );
  parts.push(`</main></body></html>\n`);
  return parts.join('\n');
}

function controlHtml(c: ControlResult): string {
  const figures = Object.entries(c.figures);
  return (
    `<section class="control s-${c.status}" id="c-${esc(c.oscal.controlId)}"><div class="head"><h3>${esc(c.id)} ${esc(c.title)}</h3>` +
    `<span class="badge ${c.status}">${STATUS_LABEL[c.status]}</span></div>` +
    `<p class="reason">${esc(c.reason)}</p>` +
    `<p class="small"><b>Asks:</b> ${esc(c.requirement)} <b>Satisfied by:</b> ${esc(c.evidenceRequired)}</p>` +
    `<p class="small"><b>Query:</b> ${esc(c.query.select)} → test <code>${esc(c.query.test)}</code> over evidence ${c.query.classes.map((x) => `<code>${esc(x)}</code>`).join(', ') || '–'}. OSCAL <code>${esc(c.oscal.statementId)}</code>.</p>` +
    (figures.length
      ? `<p class="small"><b>Figures:</b> ${figures.map(([k, v]) => `${esc(k)} = ${esc(v ?? '–')}`).join(', ')}</p>`
      : '') +
    (c.records.length ? recordsTable(c.records) : '') +
    `</section>`
  );
}

function recordsTable(records: readonly RecordRef[]): string {
  return table(
    ['source', 'line', 'seq', 'id', 'event time', 'what'],
    records.map((r) => [r.source, String(r.line ?? ''), String(r.seq ?? ''), r.id ?? '', r.ts ?? '', r.note]),
    [3],
  );
}

function countsTable(label: string, counts: Counts): string {
  const rows = Object.entries(counts);
  if (!rows.length) return `<p class="small">${esc(label)}: none in the period.</p>`;
  return table(
    [label, 'count'],
    rows.map(([k, n]) => [k, String(n)]),
  );
}

function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  monoColumns: readonly number[] = [],
): string {
  if (!rows.length) return `<p class="small">none</p>`;
  const mono = new Set(monoColumns);
  return (
    `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>` +
    rows
      .map(
        (r) =>
          `<tr>${r
            .map((v, i) => `<td${/^\d+$/.test(v) ? ' class="n"' : mono.has(i) ? ' class="mono"' : ''}>${esc(v)}</td>`)
            .join('')}</tr>`,
      )
      .join('') +
    `</table>`
  );
}

function card(title: string, value: string, note: string): string {
  return `<div class="card"><span class="small">${esc(title)}</span><b>${esc(value)}</b><span class="small">${esc(note)}</span></div>`;
}

/** Raw text: escape where it is written into HTML. */
const fmtCounts = (c: Counts): string =>
  Object.entries(c)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';
