/**
 * NIST OSCAL 1.1 assessment results (and the minimal assessment plan they import) from a compliance
 * report: one result per period; one observation per evidence class, whose `relevant-evidence` points at
 * back-matter resources that name the evidence files and the inputs by SHA-256; one finding per control
 * statement (`ac-7_smt.a`) with its objective status; the controls reviewed, not-applicable ones excluded
 * (OSCAL's objective status has only satisfied / not-satisfied).
 *
 * UUIDs are version 5 (name-based, SHA-1, RFC 4122): the same control, evidence class or file in the same
 * period keeps its UUID across revisions of the report, as OSCAL asks ("per-subject" consistency).
 */
import { createHash } from 'node:crypto';
import { FRAMEWORKS, type FrameworkId } from '../catalogue/controls';
import type { ComplianceReport } from '../evaluate/compliance-report';
import { EVIDENCE_CLASSES, type EvidenceClass } from '../evidence/evidence';

export const OSCAL_VERSION = '1.1.2';
/** Namespace of Vigil's own props (OSCAL props outside its namespace need one). */
export const VIGIL_OSCAL_NS = 'urn:vigil:compliance';
const UUID_NAMESPACE = '6f1c6a52-3c5e-5b0e-9d0a-7a3b3f1e2c41';

export function uuidV5(name: string, namespace = UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A file the OSCAL documents point at: an evidence file in the report directory or an input. */
export interface EvidenceFileRef {
  /** Relative to the report directory for evidence files; the path given for inputs. */
  readonly href: string;
  readonly sha256: string;
  readonly title: string;
  readonly mediaType: string;
  /** Evidence file of one class, or an input (role) the classes read. */
  readonly evidenceClass?: EvidenceClass;
  readonly inputRole?: string;
}

/** Which inputs each evidence class reads (by role prefix). */
const CLASS_INPUTS: Readonly<Record<EvidenceClass, readonly string[]>> = {
  'audit-integrity': ['audit trail'],
  'record-content': ['audit trail'],
  reconciliation: ['audit trail', 'decisions', 'alerts'],
  detections: ['audit trail'],
  actions: ['audit trail'],
  'time-to-decide': ['audit trail'],
  'invalid-authentication': ['audit trail', 'inventory'],
  'account-monitoring': ['audit trail', 'inventory'],
  exceptions: ['audit trail'],
  inventory: ['inventory', 'baseline inventory'],
  coverage: ['ingest summary', 'events', 'inventory'],
  retention: ['audit trail', 'decisions', 'alerts', 'inventory', 'baseline inventory', 'ingest summary', 'events'],
};

const CLASS_TITLES: Readonly<Record<EvidenceClass, string>> = {
  'audit-integrity': 'Audit-trail integrity',
  'record-content': 'Content of audit records',
  reconciliation: 'Decisions and alerts reconciled with the audit trail',
  detections: 'Detections by detector and type',
  actions: 'Actions taken, by action and scope',
  'time-to-decide': 'Time from first alert to first decision',
  'invalid-authentication': 'Invalid authentication attempts and what was done',
  'account-monitoring': 'Accounts monitored for atypical use',
  exceptions: 'Exceptions and their disposition',
  inventory: 'API inventory and drift',
  coverage: 'Coverage per gateway, gaps and failures',
  retention: 'Inputs, their retention and the clock',
};

export interface OscalDocuments {
  readonly assessmentResults: unknown;
  readonly assessmentPlan: unknown;
}

export function buildOscal(report: ComplianceReport, files: readonly EvidenceFileRef[]): OscalDocuments {
  const periodKey = `${report.period.from}|${report.period.to}`;
  const toolUuid = uuidV5('component|vigil');
  const platformUuid = uuidV5('assessment-platform|vigil');
  const resources = files.map((f) => ({
    uuid: uuidV5(`resource|${f.href}|${f.sha256}`),
    title: f.title,
    props: [
      {
        name: 'type',
        value: f.evidenceClass ? 'evidence' : 'input',
        ns: VIGIL_OSCAL_NS,
      },
    ],
    rlinks: [{ href: f.href, 'media-type': f.mediaType, hashes: [{ algorithm: 'SHA-256', value: f.sha256 }] }],
    file: f,
  }));
  const observations = EVIDENCE_CLASSES.map((cls) => {
    const mine = resources.filter(
      (r) =>
        r.file.evidenceClass === cls ||
        (r.file.inputRole !== undefined && CLASS_INPUTS[cls].some((role) => r.file.inputRole!.startsWith(role))),
    );
    return {
      uuid: uuidV5(`observation|${cls}|${periodKey}`),
      title: CLASS_TITLES[cls],
      description: `Evidence class \`${cls}\` for ${report.period.from} – ${report.period.to} (event time), computed by Vigil from its records.`,
      props: [{ name: 'evidence-class', value: cls, ns: VIGIL_OSCAL_NS }],
      methods: ['TEST'],
      types: ['finding'],
      origins: [{ actors: [{ type: 'tool', 'actor-uuid': toolUuid }] }],
      'relevant-evidence': mine.map((r) => ({
        href: `#${r.uuid}`,
        description: `${r.title} (SHA-256 ${r.file.sha256})`,
      })),
      collected: report.generatedAt,
    };
  });
  const observationOf = new Map(EVIDENCE_CLASSES.map((c, i) => [c, observations[i]!.uuid]));
  const assessed = report.controls.filter((c) => c.status !== 'not-applicable');
  const findings = assessed.map((c) => ({
    uuid: uuidV5(`finding|${c.oscal.statementId}|${periodKey}`),
    title: `${FRAMEWORKS[c.framework].title} ${c.id}: ${c.title}`,
    description: c.reason,
    props: [
      { name: 'framework', value: c.framework, ns: VIGIL_OSCAL_NS },
      { name: 'control', value: c.id, ns: VIGIL_OSCAL_NS },
      { name: 'test', value: c.query.test, ns: VIGIL_OSCAL_NS },
    ],
    origins: [{ actors: [{ type: 'tool', 'actor-uuid': toolUuid }] }],
    target: {
      type: 'statement-id',
      'target-id': c.oscal.statementId,
      status: { state: c.status, reason: c.status === 'satisfied' ? 'pass' : 'fail' },
    },
    'related-observations': c.query.classes.map((cls) => ({ 'observation-uuid': observationOf.get(cls)! })),
  }));
  const reviewedControls = reviewedControlsOf(report);
  const metadata = (title: string) => ({
    title,
    'last-modified': report.generatedAt,
    version: report.generatedAt,
    'oscal-version': OSCAL_VERSION,
  });
  const resourcesOut = resources.map(({ file: _file, ...r }) => r);
  const assessmentResults = {
    'assessment-results': {
      uuid: uuidV5(`assessment-results|${periodKey}|${report.generatedAt}`),
      metadata: metadata(`Vigil compliance evidence, ${report.period.from} – ${report.period.to}`),
      'import-ap': { href: 'assessment-plan.json' },
      results: [
        {
          uuid: uuidV5(`result|${periodKey}`),
          title: `Period ${report.period.from} – ${report.period.to}`,
          description: `Controls of ${report.frameworks.map((f) => f.title).join(', ')} assessed from Vigil's audit trail, decisions, alerts, inventory and ingest record. ${report.evidence.retention.clock}`,
          start: report.period.from,
          end: report.period.to,
          'local-definitions': {
            'assessment-assets': {
              components: [
                {
                  uuid: toolUuid,
                  type: 'software',
                  title: 'Vigil',
                  description: 'API-abuse detection: decisions, alerts, hash-chained audit trail, API inventory.',
                  props: [{ name: 'version', value: report.tool.version }],
                  status: { state: 'operational' },
                },
              ],
              'assessment-platforms': [
                { uuid: platformUuid, title: 'Vigil', 'uses-components': [{ 'component-uuid': toolUuid }] },
              ],
            },
          },
          'reviewed-controls': reviewedControls,
          observations,
          findings,
        },
      ],
      'back-matter': { resources: resourcesOut },
    },
  };
  const sspResource = uuidV5('resource|system-security-plan');
  const assessmentPlan = {
    'assessment-plan': {
      uuid: uuidV5(`assessment-plan|${periodKey}`),
      metadata: metadata(`Vigil compliance evidence plan, ${report.period.from} – ${report.period.to}`),
      'import-ssp': { href: `#${sspResource}` },
      'reviewed-controls': reviewedControls,
      'back-matter': {
        resources: [
          {
            uuid: sspResource,
            title: 'System security plan',
            description: 'Not provided by Vigil: point this at the organisation’s SSP.',
          },
        ],
      },
    },
  };
  return { assessmentResults, assessmentPlan };
}

function reviewedControlsOf(report: ComplianceReport): unknown {
  const byFramework = new Map<FrameworkId, ComplianceReport['controls'][number][]>();
  for (const c of report.controls) {
    const list = byFramework.get(c.framework) ?? [];
    list.push(c);
    byFramework.set(c.framework, list);
  }
  const statements = (cs: readonly ComplianceReport['controls'][number][]) => {
    const m = new Map<string, string[]>();
    for (const c of cs) m.set(c.oscal.controlId, [...(m.get(c.oscal.controlId) ?? []), c.oscal.statementId]);
    return [...m].map(([controlId, ids]) => ({ 'control-id': controlId, 'statement-ids': ids }));
  };
  return {
    description: 'The controls of the chosen frameworks that Vigil’s records speak to.',
    'control-selections': [...byFramework].map(([framework, cs]) => {
      const included = cs.filter((c) => c.status !== 'not-applicable');
      const excluded = cs.filter((c) => c.status === 'not-applicable');
      return {
        description: FRAMEWORKS[framework].title,
        props: [{ name: 'framework', value: framework, ns: VIGIL_OSCAL_NS }],
        'include-controls': statements(included.length ? included : cs),
        ...(excluded.length && included.length
          ? {
              'exclude-controls': statements(excluded).map(({ 'control-id': id }) => ({ 'control-id': id })),
              remarks: excluded.map((c) => `${c.id}: not applicable — ${c.reason}`).join('\n\n'),
            }
          : {}),
      };
    }),
  };
}
