/**
 * The control catalogue, as data: per framework, each control Vigil's records can speak to, what the
 * control asks (paraphrased, not quoted), what evidence satisfies it, and the query that produces that
 * evidence — the evidence classes it reads, the records selected, and the named test (evaluate/tests.ts)
 * that turns the evidence into satisfied / not satisfied / not applicable with its reason.
 *
 * OSCAL ids: NIST SP 800-53 r5 controls keep the catalogue's own ids (`ac-7`, statement `ac-7_smt.a`).
 * The other frameworks have no OSCAL catalogue of record; their ids are written as OSCAL tokens (a letter
 * first) under a framework prefix, `pcidss4-10.2.1.4` with statement `pcidss4-10.2.1.4_smt`.
 */
import type { EvidenceClass } from '../evidence/evidence';

export const FRAMEWORKS = {
  'pci-dss-4': { title: 'PCI DSS v4.0', oscalPrefix: 'pcidss4-' },
  'nist-800-53r5': { title: 'NIST SP 800-53 Rev. 5', oscalPrefix: '' },
  glba: { title: 'GLBA Safeguards Rule (16 CFR 314)', oscalPrefix: 'glba-' },
  ffiec: { title: 'FFIEC IT Examination Handbook, Information Security', oscalPrefix: 'ffiec-is-' },
} as const;
export type FrameworkId = keyof typeof FRAMEWORKS;
export const FRAMEWORK_IDS = Object.keys(FRAMEWORKS) as FrameworkId[];

export const CONTROL_TESTS = [
  'audit-chain-intact',
  'audit-cryptographically-protected',
  'records-reconcile',
  'record-content-complete',
  'attacks-acted-on',
  'credential-attacks-acted-on',
  'invalid-access-logged',
  'accounts-monitored',
  'alerts-explained',
  'monitoring-continuous',
  'daily-review',
  'control-failures-reported',
  'inventory-current',
  'inputs-validated',
  'enforcement-active',
  'exceptions-dispositioned',
  'report-written',
  'outside-records',
] as const;
export type ControlTest = (typeof CONTROL_TESTS)[number];

export interface EvidenceQuery {
  readonly classes: readonly EvidenceClass[];
  /** The records read, in the terms of their files. */
  readonly select: string;
  readonly test: ControlTest;
}

export interface ControlDefinition {
  readonly framework: FrameworkId;
  /** As the framework writes it: `AC-7`, `10.2.1.4`, `314.4(c)(8)`, `II.C.5`. */
  readonly id: string;
  readonly title: string;
  /** What the control asks, paraphrased. */
  readonly requirement: string;
  /** What evidence from Vigil satisfies it. */
  readonly evidence: string;
  readonly query: EvidenceQuery;
  readonly oscal: { readonly controlId: string; readonly statementId: string };
}

type Entry = Omit<ControlDefinition, 'framework' | 'oscal'> & { readonly statement?: string };

const AUDIT_ALL = 'audit: every line (verified), decision and alert lines with record.ts in the period';
const DECISIONS = 'audit: decision lines, record.ts in the period (first occurrence of each id)';
const ALERTS = 'audit: alert lines, record.ts in the period';
const INVENTORY = 'inventory: endpoints, overflow, orphans, drift (or --baseline-inventory)';
const INGEST = 'summary: records, events, dead letters per source; events: one bit per minute per gateway';

const NIST: readonly Entry[] = [
  {
    id: 'AC-2(12)',
    statement: 'ac-2.12_smt.a',
    title: 'Account monitoring for atypical usage',
    requirement: 'Monitor system accounts for atypical usage and report it to the designated personnel.',
    evidence:
      'Authenticated traffic analysed by the account detectors (takeover, cracking, session hijack), with the accounts and sessions they alerted on and the actions taken.',
    query: {
      classes: ['account-monitoring', 'inventory'],
      select: `${ALERTS}, entity.type in (principal, session); inventory: auth.types ≠ none`,
      test: 'accounts-monitored',
    },
  },
  {
    id: 'AC-4',
    statement: 'ac-4_smt',
    title: 'Information flow enforcement',
    requirement: 'Enforce approved authorizations for controlling the flow of information within and between systems.',
    evidence:
      'Enforcing decisions (block, throttle, challenge, step-up, revoke) in force, not shadow, on attack traffic.',
    query: { classes: ['actions', 'exceptions'], select: DECISIONS, test: 'enforcement-active' },
  },
  {
    id: 'AC-7',
    statement: 'ac-7_smt.a',
    title: 'Unsuccessful logon attempts',
    requirement: 'Enforce a limit of consecutive invalid logon attempts by a user during a time period.',
    evidence:
      'Failed logins observed on the login endpoints, and every credential-attack episode (stuffing, cracking, login population) met by a challenge or block.',
    query: {
      classes: ['invalid-authentication', 'time-to-decide'],
      select: `${ALERTS} and ${DECISIONS}, detector in (credential-stuffing, credential-cracking, login-population); inventory: login/MFA/password-reset 401, 403, 429`,
      test: 'credential-attacks-acted-on',
    },
  },
  {
    id: 'AU-2',
    statement: 'au-2_smt.a',
    title: 'Event logging',
    requirement: 'Identify the events the system logs; log them.',
    evidence:
      'Every decision and alert of the period is an audit record: the decisions and alerts files and the trail hold the same records.',
    query: {
      classes: ['reconciliation'],
      select: `${AUDIT_ALL}; decisions and alerts files, ts in the period`,
      test: 'records-reconcile',
    },
  },
  {
    id: 'AU-3',
    statement: 'au-3_smt',
    title: 'Content of audit records',
    requirement: 'Audit records say what happened, when, where, its source, its outcome and the identities involved.',
    evidence:
      'Each audit record of the period carries event and wall time, detector, entities, action or severity, reasons, rule and inputs.',
    query: { classes: ['record-content'], select: AUDIT_ALL, test: 'record-content-complete' },
  },
  {
    id: 'AU-6',
    statement: 'au-6_smt.a',
    title: 'Audit record review, analysis, and reporting',
    requirement:
      'Review and analyse audit records for indications of inappropriate or unusual activity; report findings.',
    evidence: 'Detections by detector and type over the period, each with its reasons, summarised in this report.',
    query: { classes: ['detections', 'actions'], select: `${ALERTS}; ${DECISIONS}`, test: 'alerts-explained' },
  },
  {
    id: 'AU-9',
    statement: 'au-9_smt.a',
    title: 'Protection of audit information',
    requirement: 'Protect audit information from unauthorized modification and deletion.',
    evidence: 'The hash chain of the audit trail verifies end to end: no line edited, deleted, inserted or moved.',
    query: { classes: ['audit-integrity'], select: AUDIT_ALL, test: 'audit-chain-intact' },
  },
  {
    id: 'AU-9(3)',
    statement: 'au-9.3_smt',
    title: 'Cryptographic protection of audit information',
    requirement: 'Use cryptographic mechanisms to protect the integrity of audit information.',
    evidence: "Every checkpoint's HMAC verifies under the trail key (not the development key), no unsigned tail.",
    query: { classes: ['audit-integrity'], select: AUDIT_ALL, test: 'audit-cryptographically-protected' },
  },
  {
    id: 'AU-12',
    statement: 'au-12_smt.c',
    title: 'Audit record generation',
    requirement: 'Generate audit records for the selected events with the defined content.',
    evidence: 'The detector generated one audit record per decision and per alert (reconciled against the files).',
    query: { classes: ['reconciliation', 'record-content'], select: AUDIT_ALL, test: 'records-reconcile' },
  },
  {
    id: 'CA-7',
    statement: 'ca-7_smt.d',
    title: 'Continuous monitoring',
    requirement: 'Monitor controls on an ongoing basis, per the monitoring strategy and its frequencies.',
    evidence: 'Every gateway delivered events across the period, without gaps of more than the gap threshold.',
    query: { classes: ['coverage'], select: INGEST, test: 'monitoring-continuous' },
  },
  {
    id: 'CM-8',
    statement: 'cm-8_smt.a',
    title: 'System component inventory',
    requirement: 'Develop and document an inventory of system components that accurately reflects the system.',
    evidence:
      'The observed API inventory covers the period; no zombie endpoint; shadow endpoints against the loaded specs listed.',
    query: { classes: ['inventory'], select: INVENTORY, test: 'inventory-current' },
  },
  {
    id: 'IR-4',
    statement: 'ir-4_smt.a',
    title: 'Incident handling',
    requirement: 'Implement incident handling: detection and analysis, containment, eradication and recovery.',
    evidence:
      'Every high or critical detection episode was contained by a decision; time from first alert to first decision.',
    query: { classes: ['time-to-decide', 'actions'], select: `${ALERTS}; ${DECISIONS}`, test: 'attacks-acted-on' },
  },
  {
    id: 'IR-5',
    statement: 'ir-5_smt',
    title: 'Incident monitoring',
    requirement: 'Track and document incidents.',
    evidence: 'Each alert is an audited record with its reasons, entity, severity and linked decisions.',
    query: { classes: ['detections', 'record-content'], select: ALERTS, test: 'alerts-explained' },
  },
  {
    id: 'SI-4',
    statement: 'si-4_smt.a',
    title: 'System monitoring',
    requirement: 'Monitor the system to detect attacks and indicators of potential attacks.',
    evidence: 'Every gateway monitored across the period; detections by detector.',
    query: { classes: ['coverage', 'detections'], select: `${INGEST}; ${ALERTS}`, test: 'monitoring-continuous' },
  },
  {
    id: 'SI-4(2)',
    statement: 'si-4.2_smt',
    title: 'Automated tools and mechanisms for real-time analysis',
    requirement: 'Employ automated tools to support near real-time analysis of events.',
    evidence: 'Detections decided within seconds of event time: the time-to-decide distribution.',
    query: { classes: ['time-to-decide'], select: `${ALERTS}; ${DECISIONS}`, test: 'attacks-acted-on' },
  },
  {
    id: 'SI-4(4)',
    statement: 'si-4.4_smt.a',
    title: 'Inbound and outbound communications traffic',
    requirement: 'Determine criteria for unusual or unauthorized inbound traffic; monitor it continuously.',
    evidence: 'Every gateway request analysed (records accounted for) without gaps.',
    query: { classes: ['coverage'], select: INGEST, test: 'monitoring-continuous' },
  },
  {
    id: 'SI-4(5)',
    statement: 'si-4.5_smt',
    title: 'System-generated alerts',
    requirement: 'Alert personnel when indications of compromise occur.',
    evidence: 'Alerts generated for the detections, each with reasons and severity.',
    query: { classes: ['detections'], select: ALERTS, test: 'alerts-explained' },
  },
  {
    id: 'SI-4(13)',
    statement: 'si-4.13_smt.a',
    title: 'Analyze traffic and event patterns',
    requirement: 'Analyse communications traffic and event patterns; develop profiles of common traffic.',
    evidence:
      'Reasons compare each finding with its benign baseline; exceptions (allowlist, shadow, guards) dispositioned.',
    query: { classes: ['detections', 'exceptions'], select: ALERTS, test: 'exceptions-dispositioned' },
  },
  {
    id: 'SI-10',
    statement: 'si-10_smt',
    title: 'Information input validation',
    requirement: 'Check the validity of information inputs.',
    evidence: 'Every input record decoded into an event (malformed requests flagged) or dead-lettered with a reason.',
    query: { classes: ['coverage'], select: INGEST, test: 'inputs-validated' },
  },
];

const PCI: readonly Entry[] = [
  {
    id: '6.4.2',
    title: 'Automated technical solution for public-facing web applications',
    requirement:
      'Deploy an automated solution that continually detects and prevents web-based attacks on public-facing applications.',
    evidence: 'Public endpoints monitored without gaps, and detections enforced (not shadow) by decisions.',
    query: {
      classes: ['coverage', 'actions', 'inventory'],
      select: `${INGEST}; ${DECISIONS}`,
      test: 'enforcement-active',
    },
  },
  {
    id: '6.4.3',
    title: 'Payment page scripts',
    requirement: 'Manage all payment page scripts loaded and executed in the consumer’s browser.',
    evidence: 'Outside Vigil’s records: gateway logs do not show the scripts a browser runs.',
    query: { classes: [], select: 'none', test: 'outside-records' },
  },
  {
    id: '8.3.4',
    title: 'Invalid authentication attempts are limited',
    requirement: 'Limit invalid authentication attempts by locking out the user ID after not more than 10 attempts.',
    evidence:
      'Credential-cracking episodes (a run of failures on one account) challenged; stuffing sources blocked. Vigil challenges or blocks; it does not lock the account itself.',
    query: {
      classes: ['invalid-authentication'],
      select: `${ALERTS}; ${DECISIONS}, detector in (credential-stuffing, credential-cracking, login-population)`,
      test: 'credential-attacks-acted-on',
    },
  },
  {
    id: '10.2.1.4',
    title: 'Audit logs capture invalid logical access attempts',
    requirement: 'Audit logs capture all invalid logical access attempts.',
    evidence:
      'Failed logins on the login endpoints counted from the gateway logs analysed; the attacks among them audited.',
    query: {
      classes: ['invalid-authentication', 'coverage'],
      select: 'inventory: login/MFA/password-reset 401, 403, 429; summary: records accounted',
      test: 'invalid-access-logged',
    },
  },
  {
    id: '10.2.2',
    title: 'Audit log record content',
    requirement:
      'Audit logs record user identification, event type, date and time, success or failure, origination and the affected resource.',
    evidence:
      'Each audit record carries its entities, detector and kind, event and wall time, outcome, reasons and rule.',
    query: { classes: ['record-content'], select: AUDIT_ALL, test: 'record-content-complete' },
  },
  {
    id: '10.3.2',
    title: 'Audit log files are protected from modification',
    requirement: 'Protect audit log files to prevent modifications by individuals.',
    evidence: 'The audit trail’s hash chain verifies: no line edited, deleted, inserted or moved.',
    query: { classes: ['audit-integrity'], select: AUDIT_ALL, test: 'audit-chain-intact' },
  },
  {
    id: '10.3.4',
    title: 'File integrity monitoring on audit logs',
    requirement:
      'Use change-detection mechanisms on audit logs so that existing log data cannot be changed without an alert.',
    evidence: 'Keyed checkpoints (HMAC under the trail key) verify; a change is named by line and seq.',
    query: { classes: ['audit-integrity'], select: AUDIT_ALL, test: 'audit-cryptographically-protected' },
  },
  {
    id: '10.4.1',
    title: 'Audit logs are reviewed at least once daily',
    requirement:
      'Review security events and logs of critical components at least once daily (automated reviews allowed, 10.4.1.1).',
    evidence: 'Every day of the period has analysed events; detections per day in this report.',
    query: { classes: ['coverage', 'detections'], select: `${INGEST}; ${ALERTS}`, test: 'daily-review' },
  },
  {
    id: '10.7.2',
    title: 'Failures of critical security control systems are detected and reported',
    requirement:
      'Detect, alert and promptly address failures of critical security control systems (incl. audit logging and monitoring).',
    evidence:
      'Gaps in the event stream, audit-trail breaks and dead letters found and listed with start, end and duration.',
    query: {
      classes: ['coverage', 'audit-integrity'],
      select: `${INGEST}; ${AUDIT_ALL}`,
      test: 'control-failures-reported',
    },
  },
  {
    id: '10.7.3',
    title: 'Failures of critical security control systems are responded to',
    requirement: 'Respond to failures promptly: restore, document duration and cause, and resume monitoring.',
    evidence: 'No failures in the period, or each one with its duration (its response is the organisation’s record).',
    query: {
      classes: ['coverage', 'audit-integrity'],
      select: `${INGEST}; ${AUDIT_ALL}`,
      test: 'control-failures-reported',
    },
  },
  {
    id: '12.5.2',
    title: 'PCI DSS scope is documented',
    requirement:
      'Document and confirm scope, including an inventory of system components, at least annually and on significant change.',
    evidence: 'The API inventory for the period with its drift against the previous one.',
    query: { classes: ['inventory'], select: INVENTORY, test: 'inventory-current' },
  },
];

const GLBA: readonly Entry[] = [
  {
    id: '314.4(c)(8)',
    title: 'Monitor and log authorized users; detect unauthorized access',
    requirement:
      'Implement policies, procedures and controls to monitor and log the activity of authorized users and detect unauthorized access to customer information.',
    evidence:
      'Accounts monitored by the account detectors with their findings; the audit trail of every decision intact.',
    query: {
      classes: ['account-monitoring', 'audit-integrity'],
      select: `${ALERTS}, entity.type in (principal, session); ${AUDIT_ALL}`,
      test: 'accounts-monitored',
    },
  },
  {
    id: '314.4(d)(2)',
    title: 'Continuous monitoring',
    requirement: 'Continuously monitor, or periodically test, the effectiveness of the safeguards.',
    evidence: 'Every gateway delivered events across the period, without gaps.',
    query: { classes: ['coverage'], select: INGEST, test: 'monitoring-continuous' },
  },
  {
    id: '314.4(i)',
    title: 'Written report',
    requirement:
      'The Qualified Individual reports in writing, at least annually, to the board on the information security program.',
    evidence:
      'This report: the period’s evidence in writing, signed (manifest), for the Qualified Individual’s report.',
    query: { classes: ['retention'], select: 'every input of this report', test: 'report-written' },
  },
];

const FFIEC: readonly Entry[] = [
  {
    id: 'II.C.5',
    title: 'Inventory and classification of assets',
    requirement: 'Maintain an inventory of information assets, including interconnections, classified by sensitivity.',
    evidence:
      'The API inventory: hosts and endpoints, exposure (public, partner, private), sensitive data and flows, shadow and zombie APIs.',
    query: { classes: ['inventory'], select: INVENTORY, test: 'inventory-current' },
  },
  {
    id: 'II.C.22',
    title: 'Log management',
    requirement: 'Log management supports anomaly detection, with logs protected from tampering.',
    evidence: 'Gateway logs analysed without gaps; detections; the audit trail intact.',
    query: {
      classes: ['coverage', 'detections', 'audit-integrity'],
      select: `${INGEST}; ${ALERTS}; ${AUDIT_ALL}`,
      test: 'monitoring-continuous',
    },
  },
];

function token(id: string): string {
  return id.toLowerCase().replace(/[()]/g, '.').replace(/\.+/g, '.').replace(/\.$/, '');
}

function withFramework(framework: FrameworkId, entries: readonly Entry[]): ControlDefinition[] {
  return entries.map(({ statement, ...e }) => {
    if (framework === 'nist-800-53r5') {
      const controlId = statement!.replace(/_smt.*$/, '');
      return { ...e, framework, oscal: { controlId, statementId: statement! } };
    }
    const controlId = `${FRAMEWORKS[framework].oscalPrefix}${token(e.id)}`;
    return { ...e, framework, oscal: { controlId, statementId: `${controlId}_smt` } };
  });
}

export const CONTROLS: readonly ControlDefinition[] = [
  ...withFramework('pci-dss-4', PCI),
  ...withFramework('nist-800-53r5', NIST),
  ...withFramework('glba', GLBA),
  ...withFramework('ffiec', FFIEC),
];

export function controlsOf(frameworks: readonly FrameworkId[]): ControlDefinition[] {
  const wanted = new Set(frameworks);
  return CONTROLS.filter((c) => wanted.has(c.framework));
}

/** `pci-dss-4`, …, or `all`; throws on an unknown name. */
export function parseFrameworks(value: string): FrameworkId[] {
  if (value === 'all') return [...FRAMEWORK_IDS];
  const out = value.split(',').map((v) => v.trim());
  for (const f of out)
    if (!(f in FRAMEWORKS)) throw new RangeError(`unknown framework ${f}; one of ${FRAMEWORK_IDS.join(', ')} or all`);
  return out as FrameworkId[];
}
