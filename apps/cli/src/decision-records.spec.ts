import { parseDecisionLine } from './decision-records';

const decision = {
  id: 'd1',
  ts: 1764590400000,
  action: 'block',
  scope: 'ip',
  value: '203.0.113.7',
  ttlSeconds: 600,
  detector: 'credential-stuffing',
  score: 0.97,
  reasons: [],
  modelVersion: '1.1.0',
  shadow: true,
};
const json = JSON.stringify(decision);

describe('parseDecisionLine', () => {
  it('reads a decision as vigil replay writes it', () => {
    expect(parseDecisionLine(json)).toEqual({ kind: 'decision', decision });
  });

  it('reads the decisions topic dumped as key TAB value, and its tombstones', () => {
    expect(parseDecisionLine(`ip:203.0.113.7\t${json}`)).toEqual({ kind: 'decision', decision });
    expect(parseDecisionLine('ip:203.0.113.7\t')).toEqual({ kind: 'tombstone' });
    expect(parseDecisionLine('null')).toEqual({ kind: 'tombstone' });
  });

  it("reads kcat's JSON envelopes, the value in payload as a string", () => {
    const envelope = { topic: 'vigil.decisions', partition: 0, offset: 7, key: 'ip:203.0.113.7', payload: json };
    expect(parseDecisionLine(JSON.stringify(envelope))).toEqual({ kind: 'decision', decision });
    expect(parseDecisionLine(JSON.stringify({ ...envelope, payload: null }))).toEqual({ kind: 'tombstone' });
  });

  it('says why a line is not a decision', () => {
    expect(parseDecisionLine('{"id": "x", "ts": 1, "action": "explode"}')).toEqual({
      kind: 'unreadable',
      reason: 'action is not a decision action',
    });
    expect(parseDecisionLine('{not json')).toEqual({ kind: 'unreadable', reason: 'not JSON' });
    expect(parseDecisionLine(JSON.stringify({ ...decision, shadow: 'yes' }))).toMatchObject({
      reason: 'no boolean shadow',
    });
    expect(parseDecisionLine('   ')).toEqual({ kind: 'blank' });
  });
});
