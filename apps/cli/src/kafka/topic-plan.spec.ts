import { UsageError } from '../errors';
import { checkTopics, describePlanned, planTopics, type ExistingTopic, type TopicNames } from './topic-plan';

const names = (raw: string[] = ['raw.kong']): TopicNames => ({
  raw,
  decisions: 'out.decisions',
  alerts: 'out.alerts',
  audit: 'out.audit',
  deadLetters: 'out.dead-letters',
});

describe('planTopics', () => {
  it('plans every raw topic and the four outputs with the given partitions and replication', () => {
    const plan = planTopics(names(['raw.kong', 'raw.envoy']), { partitions: 12, replicationFactor: 1 });
    expect(plan.map((t) => [t.topic, t.role])).toEqual([
      ['raw.kong', 'raw'],
      ['raw.envoy', 'raw'],
      ['out.decisions', 'decisions'],
      ['out.alerts', 'alerts'],
      ['out.audit', 'audit'],
      ['out.dead-letters', 'dead-letters'],
    ]);
    expect(plan.every((t) => t.numPartitions === 12 && t.replicationFactor === 1)).toBe(true);
  });

  it("plans the repartition topic the detector's router writes (kafka.repartition), not compacted", () => {
    const plan = planTopics({ ...names(), repartition: ['raw.by-address'] }, { partitions: 8, replicationFactor: 1 });
    expect(plan.map((t) => [t.topic, t.role]).slice(0, 2)).toEqual([
      ['raw.kong', 'raw'],
      ['raw.by-address', 'repartition'],
    ]);
    expect(plan[1]!.numPartitions).toBe(8);
    expect(plan[1]!.configEntries).toEqual([]);
    expect(() =>
      planTopics({ ...names(), repartition: ['raw.kong'] }, { partitions: 1, replicationFactor: 1 }),
    ).toThrow(/both as raw and as repartition/);
  });

  it('plans one repartition topic per detection lane (kafka.repartition.lanes)', () => {
    const lanes = ['raw.lane.address', 'raw.lane.account', 'raw.lane.apikey', 'raw.lane.logins'];
    const plan = planTopics({ ...names(), repartition: lanes }, { partitions: 4, replicationFactor: 1 });
    expect(plan.filter((t) => t.role === 'repartition').map((t) => t.topic)).toEqual(lanes);
  });

  it('compacts the decisions topic only', () => {
    const plan = planTopics(names(), { partitions: 3, replicationFactor: 1 });
    const policies = Object.fromEntries(plan.map((t) => [t.role, t.configEntries]));
    expect(policies['decisions']).toEqual([{ name: 'cleanup.policy', value: 'compact' }]);
    for (const role of ['raw', 'alerts', 'audit', 'dead-letters']) expect(policies[role]).toEqual([]);
  });

  it('asks two in-sync replicas of every topic once there are three replicas', () => {
    const plan = planTopics(names(), { partitions: 3, replicationFactor: 3 });
    for (const t of plan) expect(t.configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' });
    expect(planTopics(names(), { partitions: 3, replicationFactor: 2 })[0]!.configEntries).toEqual([]);
  });

  it('refuses a topic named for two roles, an invalid name, no raw topic and impossible counts', () => {
    expect(() => planTopics(names(['out.alerts']), { partitions: 1, replicationFactor: 1 })).toThrow(
      /out\.alerts is named both as raw and as alerts/,
    );
    expect(() => planTopics(names(['raw kong']), { partitions: 1, replicationFactor: 1 })).toThrow(UsageError);
    expect(() => planTopics(names(['..']), { partitions: 1, replicationFactor: 1 })).toThrow(/not a valid Kafka/);
    expect(() => planTopics(names([]), { partitions: 1, replicationFactor: 1 })).toThrow(/--raw-topic/);
    expect(() => planTopics(names(), { partitions: 0, replicationFactor: 1 })).toThrow(/--partitions/);
    expect(() => planTopics(names(), { partitions: 1, replicationFactor: 0 })).toThrow(/--replication-factor/);
  });

  it('describes a planned topic in one line', () => {
    const [, decisions] = planTopics(names(), { partitions: 6, replicationFactor: 3 });
    expect(describePlanned(decisions!)).toBe(
      '6 partitions, replication 3, cleanup.policy=compact, min.insync.replicas=2',
    );
  });
});

describe('checkTopics', () => {
  const plan = planTopics(names(), { partitions: 6, replicationFactor: 3 });
  const existing = (entries: Record<string, ExistingTopic>) => new Map(Object.entries(entries));
  const same: ExistingTopic = { partitions: 6, replicationFactor: 3, cleanupPolicy: null };

  it('marks topics the cluster lacks as missing and those it has as existing', () => {
    const checks = checkTopics(plan, existing({ 'raw.kong': same }));
    expect(checks.map((c) => [c.planned.topic, c.kind])).toEqual([
      ['raw.kong', 'exists'],
      ['out.decisions', 'missing'],
      ['out.alerts', 'missing'],
      ['out.audit', 'missing'],
      ['out.dead-letters', 'missing'],
    ]);
    expect(checks[0]).toMatchObject({ kind: 'exists', warnings: [] });
  });

  it('warns about fewer or more partitions, less replication and an uncompacted decisions topic', () => {
    const checks = checkTopics(
      plan,
      existing({
        'raw.kong': { ...same, partitions: 3 },
        'out.alerts': { ...same, partitions: 12 },
        'out.audit': { ...same, replicationFactor: 1 },
        'out.decisions': { ...same, cleanupPolicy: 'delete' },
        'out.dead-letters': { ...same, cleanupPolicy: 'compact,delete' },
      }),
    );
    const warnings = Object.fromEntries(checks.map((c) => [c.planned.topic, c.kind === 'exists' ? c.warnings : null]));
    expect(warnings['raw.kong']).toEqual([expect.stringMatching(/^3 partitions, fewer than the 6 planned/)]);
    expect(warnings['out.alerts']).toEqual([expect.stringMatching(/^12 partitions, more than the 6 planned/)]);
    expect(warnings['out.audit']).toEqual([expect.stringMatching(/^replication 1, less than the 3 planned/)]);
    expect(warnings['out.decisions']).toEqual([
      'cleanup.policy is delete, not compact: decisions would not be compacted',
    ]);
    expect(warnings['out.dead-letters']).toEqual([]);
  });

  it('accepts compact among several cleanup policies', () => {
    const [check] = checkTopics(
      plan.filter((t) => t.role === 'decisions'),
      existing({ 'out.decisions': { ...same, cleanupPolicy: 'compact,delete' } }),
    );
    expect(check).toMatchObject({ kind: 'exists', warnings: [] });
  });
});
