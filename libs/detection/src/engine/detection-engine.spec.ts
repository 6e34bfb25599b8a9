import type { AccessEvent } from '@vigil/events';
import { event, T0 } from '../../../../test/features/fixtures/access-events';
import { ipLoginVector } from '../../../../test/fixtures/builders/feature-vector';
import { ipFinding, signatureFinding } from '../../../../test/fixtures/builders/finding';
import { Policy, type PolicyRecord } from '../policy/policy';
import { DEFAULT_POLICY, parsePolicyConfig } from '../policy/policy-config';
import { decisionExpiresAt, type Decision } from '../records/records';
import { buildDetectors } from './build-detectors';
import { DetectionEngine } from './detection-engine';

const SEC = 1000;
const FLAGGED = '192.0.2.66';
const ELSEWHERE = '198.51.100.20';
const FINGERPRINT = 't13d1715h1_5b57614c22b0_3d5424432f57';

const login = (ts: number, ip: string, principal: string, status = 200, tls: string | null = null): AccessEvent => ({
  ...event({ ts, ip, principal, routeClass: 'login', status }),
  tlsFingerprint: tls,
});

/** An engine with the production line-up (no models) and a policy, recording what it writes. */
function engineWith(policy = new Policy(DEFAULT_POLICY)) {
  const records: PolicyRecord[] = [];
  const engine = new DetectionEngine({
    detectors: buildDetectors({ active: new Map() }, policy.config),
    policy,
    onRecord: (r) => records.push(r),
  });
  return { engine, policy, records };
}

const stepUpsOf = (ds: readonly Decision[]) =>
  ds.filter((d) => d.action === 'step_up' && d.scope === 'principal').map((d) => d.value);

describe('DetectionEngine: logins from a flagged source', () => {
  it('steps up the account that logs in successfully from an address under a stuffing block, and no other', () => {
    const { engine, policy, records } = engineWith();
    const [block] = policy.apply([ipFinding(FLAGGED)], T0).decisions;
    expect(block!.action).toBe('block');
    const at = T0 + 30 * SEC;
    const out = engine.process([login(at - SEC, FLAGGED, 'victim-7'), login(at - SEC, ELSEWHERE, 'alice')], [], at);
    expect(stepUpsOf(out.decisions)).toEqual(['victim-7']);
    const record = records.find((r) => r.kind === 'decision' && (r.record as Decision).value === 'victim-7')!;
    expect(record.finding.rule).toBe('login-from-flagged-source');
    expect(record.policyRule).toContain('login-from-flagged-source');
    expect(record.finding.reasons.map((r) => r.feature)).toContain('decision.credential-stuffing.score');
  });

  it('steps up the account that logs in from an address it blocked itself one batch before', () => {
    const { engine } = engineWith();
    const first = engine.process([], [ipLoginVector(FLAGGED, { failures: 40 })], T0);
    expect(first.decisions.filter((d) => d.scope === 'ip' && d.value === FLAGGED && d.action === 'block')).toHaveLength(
      1,
    );
    const at = T0 + 10 * SEC;
    const next = engine.process([login(at, FLAGGED, 'victim-7'), login(at, ELSEWHERE, 'alice')], [], at);
    expect(stepUpsOf(next.decisions)).toEqual(['victim-7']);
  });

  it('steps up an account once however many times it logs in from the flagged address in a batch', () => {
    const { engine, policy } = engineWith();
    policy.apply([ipFinding(FLAGGED)], T0);
    const at = T0 + 30 * SEC;
    const out = engine.process(
      [login(at - 2 * SEC, FLAGGED, 'victim-7'), login(at - SEC, FLAGGED, 'victim-7')],
      [],
      at,
    );
    expect(stepUpsOf(out.decisions)).toEqual(['victim-7']);
  });

  it('steps up nobody for a failed login from the flagged address', () => {
    const { engine, policy } = engineWith();
    policy.apply([ipFinding(FLAGGED)], T0);
    const at = T0 + 30 * SEC;
    expect(stepUpsOf(engine.process([login(at, FLAGGED, 'victim-7', 401)], [], at).decisions)).toEqual([]);
  });

  it('steps up nobody once the stuffing block has expired', () => {
    const { engine, policy } = engineWith();
    const [block] = policy.apply([ipFinding(FLAGGED)], T0).decisions;
    const at = decisionExpiresAt(block!) + 60 * SEC;
    expect(stepUpsOf(engine.process([login(at, FLAGGED, 'victim-7')], [], at).decisions)).toEqual([]);
  });

  it('steps up nobody for a shadow stuffing decision', () => {
    const { engine, policy } = engineWith(new Policy(parsePolicyConfig({ mode: 'shadow' })));
    policy.apply([ipFinding(FLAGGED)], T0);
    const at = T0 + 30 * SEC;
    const out = engine.process([login(at, FLAGGED, 'victim-7')], [], at);
    expect(out.decisions.filter((d) => d.value === 'victim-7' && !d.shadow)).toEqual([]);
  });

  it('steps up nobody logging in from an address blocked for scraping, not stuffing', () => {
    const { engine, policy } = engineWith();
    policy.apply([ipFinding(FLAGGED, { detector: 'scraping', rule: 'ip-enumeration' })], T0);
    const at = T0 + 30 * SEC;
    expect(stepUpsOf(engine.process([login(at, FLAGGED, 'victim-7')], [], at).decisions)).toEqual([]);
  });

  it('steps up the account whose successful login matches a stuffing signature no customer shares', () => {
    const { engine, policy } = engineWith();
    policy.apply([signatureFinding({ routeClass: 'login', tlsFingerprint: FINGERPRINT })], T0);
    const at = T0 + 30 * SEC;
    const out = engine.process(
      [login(at, '203.0.113.200', 'victim-9', 200, FINGERPRINT), login(at, ELSEWHERE, 'alice', 200, 'ja4-browser')],
      [],
      at,
    );
    expect(stepUpsOf(out.decisions)).toEqual(['victim-9']);
  });
});
