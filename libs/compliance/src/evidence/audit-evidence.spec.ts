import { AuditTrail, MemoryAuditSink, type Alert, type Decision } from '@vigil/detection';
import { AuditEvidenceCollector } from './audit-evidence';

const KEY = 'unit-test-audit-key-0123456789';
const T0 = Date.parse('2026-03-02T08:00:00Z');
const period = { from: T0, to: T0 + 3600_000 };

function decision(id: string, ts: number, over: Partial<Decision> = {}): Decision {
  return {
    id,
    ts,
    action: 'block',
    scope: 'ip',
    value: '203.0.113.7',
    ttlSeconds: 900,
    detector: 'credential-stuffing',
    score: 0.99,
    reasons: [{ feature: 'ip.loginFailures10m', value: 40, baseline: 1 }],
    modelVersion: 'baseline-1',
    shadow: false,
    ...over,
  };
}

function alert(id: string, ts: number, decisionIds: string[], over: Partial<Alert> = {}): Alert {
  return {
    id,
    ts,
    detector: 'credential-stuffing',
    severity: 'high',
    entity: { type: 'ip', value: '203.0.113.7' },
    score: 0.99,
    reasons: [{ feature: 'ip.loginFailures10m', value: 40, baseline: 1 }],
    decisionIds,
    ...over,
  };
}

const common = {
  inputs: { features: { 'ip.loginFailures10m': 40 }, entities: [{ type: 'ip', value: '203.0.113.7' }] },
  model: null,
  thresholds: { alert: 0.5 },
};

function trail(write: (t: AuditTrail) => void): string[] {
  const sink = new MemoryAuditSink();
  const t = AuditTrail.start(sink, { key: KEY, configDigest: 'c'.repeat(64), now: () => T0 });
  write(t);
  void t.close();
  return sink.lines;
}

function collect(lines: readonly string[], key: string | null = KEY) {
  const c = new AuditEvidenceCollector({ period, key, file: 'audit.ndjson' });
  for (const l of lines) c.line(l);
  return c.result();
}

describe('AuditEvidenceCollector', () => {
  const lines = trail((t) => {
    t.append({
      ...common,
      kind: 'decision',
      record: decision('d1', T0 + 1000),
      policyRule: 'detector:credential-stuffing/model',
    });
    t.append({
      ...common,
      kind: 'alert',
      record: alert('a1', T0 + 1000, ['d1']),
      policyRule: 'detector:credential-stuffing/model',
    });
    // An extension of d1 (same id, later ts), then an alert-only finding 20 s later, decided in the next batch.
    t.append({
      ...common,
      kind: 'decision',
      record: decision('d1', T0 + 500_000),
      policyRule: 'detector:credential-stuffing/model',
    });
    t.append({
      ...common,
      kind: 'alert',
      record: alert('a2', T0 + 2000, [], {
        detector: 'credential-cracking',
        severity: 'medium',
        entity: { type: 'principal', value: 'p1' },
      }),
      policyRule: 'detector:credential-cracking/principal-login-failures',
    });
    t.append({
      ...common,
      kind: 'decision',
      record: decision('d2', T0 + 22_000, {
        detector: 'credential-cracking',
        action: 'challenge',
        scope: 'principal',
        value: 'p1',
      }),
      policyRule: 'detector:credential-cracking/principal-login-failures',
    });
    t.append({
      ...common,
      kind: 'decision',
      record: decision('d3', T0 + 30_000, { shadow: true, value: '198.51.100.1' }),
      policyRule: 'detector:credential-stuffing/model',
    });
    // Outside the period: not counted.
    t.append({
      ...common,
      kind: 'decision',
      record: decision('d4', T0 + 7200_000, { value: '198.51.100.2' }),
      policyRule: 'detector:credential-stuffing/model',
    });
  });

  it('counts decisions, extensions, shadow decisions and alerts of the period', () => {
    const e = collect(lines);
    expect(e.integrity).toMatchObject({ intact: true, keyGiven: true, firstBreak: null });
    expect(e.actions).toMatchObject({ records: 4, decisions: 3, extensions: 1, enforcing: 2, shadow: 1 });
    expect(e.actions.byActionScope).toEqual({ 'block ip': 2, 'challenge principal': 1 });
    expect(e.detections).toMatchObject({
      alerts: 2,
      byDetector: { 'credential-stuffing': 1, 'credential-cracking': 1 },
    });
    expect(e.exceptions.shadow.count).toBe(1);
    expect(e.exceptions.alertOnly.count).toBe(1);
    expect(e.accounts.principalsAlerted).toBe(1);
    expect(e.content).toMatchObject({ checked: 6, incomplete: 0 });
  });

  it('measures first alert → first decision per episode', () => {
    const t = collect(lines).timeToDecide;
    expect(t).toMatchObject({ episodes: 2, decided: 2, alertOnly: 0, undecidedHighSeverity: 0 });
    expect(t.byDetector['credential-stuffing']).toMatchObject({ episodes: 1, decided: 1, maxMs: 0 });
    // 20 s from the cracking alert to its challenge (within the sketch's 1 %).
    expect(t.byDetector['credential-cracking']!.maxMs).toBeCloseTo(20_000, -3);
  });

  it('counts a high-severity episode without a decision as not acted on, a low one as alert-only', () => {
    const ls = trail((t) => {
      t.append({
        ...common,
        kind: 'alert',
        record: alert('h1', T0 + 1000, [], {
          detector: 'credential-cracking',
          entity: { type: 'principal', value: 'p9' },
        }),
        policyRule: 'detector:credential-cracking/principal-login-failures',
      });
      t.append({
        ...common,
        kind: 'alert',
        record: alert('l1', T0 + 1000, [], { severity: 'low', entity: { type: 'ip', value: '192.0.2.1' } }),
        policyRule: 'detector:credential-stuffing/model',
      });
    });
    const t = collect(ls).timeToDecide;
    expect(t).toMatchObject({ episodes: 2, decided: 0, alertOnly: 2, undecidedHighSeverity: 1 });
    expect(t.byDetector['credential-cracking']).toMatchObject({ episodes: 1, undecidedHighSeverity: 1 });
    expect(t.byDetector['credential-stuffing']).toMatchObject({ episodes: 1, undecidedHighSeverity: 0 });
  });

  it('names the line, seq and record where an edited trail breaks, and still counts the rest', () => {
    const edited = [...lines];
    edited[3] = edited[3]!.replace('"action":"block"', '"action":"monitor"');
    const e = collect(edited);
    expect(e.integrity.intact).toBe(false);
    expect(e.integrity.firstBreak).toMatchObject({
      line: 4,
      seq: 3,
      reason: 'hash_mismatch',
      recordId: 'd1',
      recordKind: 'decision',
    });
    expect(e.integrity.linesAfterBreak).toBe(edited.length - 4);
  });

  it('says when the checkpoints could not be verified', () => {
    const e = collect(lines, null);
    expect(e.integrity).toMatchObject({ intact: true, keyGiven: false });
    expect(e.integrity.verification!.checkpointsVerified).toBe(false);
  });
});
