/**
 * `vigil topics create` as an operator runs it, against the librdkafka mock broker. The mock serves
 * Metadata but not CreateTopics (it names a controller that is not among its brokers; kafkajs's
 * admin.createTopics fails with "Broker 0 not found in the cached metadata"), so: topics that exist are
 * reported and compared with the plan; missing ones are refused with a sentence that says why, the
 * shape they would have had printed; the plan itself (partitions, replication, config entries, names
 * from the detector config's defaults) is checked through --dry-run --json; an unreachable broker ends
 * with exit 1 once --wait is spent.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_TOPICS } from '../../apps/detector/src/config/detector-config';
import { getFreePort } from '../infra/free-port';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';

const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'vigil.js');
const OUTPUTS = Object.values(DEFAULT_TOPICS);

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vigil topics create …` and resolves with its exit code and output, whatever the code. */
function topicsCreate(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'topics', 'create', ...args], { env }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface PlannedJson {
  topic: string;
  role: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
  status?: string;
  existing?: { partitions: number; replicationFactor: number } | null;
  warnings?: string[];
  error?: string;
}

describe('vigil topics create', () => {
  let broker: KafkaMock;

  beforeAll(async () => {
    // The raw topic with fewer partitions than planned; the outputs as planned; raw.envoy missing.
    broker = await startKafkaMock({
      brokers: 3,
      topics: [{ name: 'raw.kong', partitions: 2 }, ...OUTPUTS.map((name) => ({ name, partitions: 4 }))],
    });
  }, 30_000);

  afterAll(() => broker?.stop());

  it('plans the raw topics and the detector config’s default outputs, the decisions topic compacted', async () => {
    const r = await topicsCreate([
      '--raw-topic',
      'raw.kong',
      'raw.envoy',
      '-p',
      '12',
      '-r',
      '3',
      '--dry-run',
      '--json',
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const plan = JSON.parse(r.stdout) as { dryRun: boolean; topics: PlannedJson[] };
    expect(plan.dryRun).toBe(true);
    const durable = { name: 'min.insync.replicas', value: '2' };
    expect(plan.topics).toEqual([
      { topic: 'raw.kong', role: 'raw', numPartitions: 12, replicationFactor: 3, configEntries: [durable] },
      { topic: 'raw.envoy', role: 'raw', numPartitions: 12, replicationFactor: 3, configEntries: [durable] },
      {
        topic: DEFAULT_TOPICS.decisions,
        role: 'decisions',
        numPartitions: 12,
        replicationFactor: 3,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }, durable],
      },
      {
        topic: DEFAULT_TOPICS.alerts,
        role: 'alerts',
        numPartitions: 12,
        replicationFactor: 3,
        configEntries: [durable],
      },
      { topic: DEFAULT_TOPICS.audit, role: 'audit', numPartitions: 12, replicationFactor: 3, configEntries: [durable] },
      {
        topic: DEFAULT_TOPICS.deadLetters,
        role: 'dead-letters',
        numPartitions: 12,
        replicationFactor: 3,
        configEntries: [durable],
      },
    ]);
  });

  it('takes the topic names and brokers from a detector config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-topics-'));
    const config = join(dir, 'detector.yaml');
    writeFileSync(
      config,
      [
        'kafka:',
        `  brokers: [${broker.brokers.join(', ')}]`,
        '  topics: { decisions: site.decisions, alerts: site.alerts }',
        'sources:',
        '  - { topic: site.raw.nginx, format: nginx }',
        'redis: { url: "redis://127.0.0.1:1" }',
      ].join('\n'),
    );
    const r = await topicsCreate(['--config', config, '-r', '1', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { brokers: string[]; topics: PlannedJson[] };
    expect(plan.brokers).toEqual(broker.brokers);
    expect(plan.topics.map((t) => t.topic)).toEqual([
      'site.raw.nginx',
      'site.decisions',
      'site.alerts',
      DEFAULT_TOPICS.audit,
      DEFAULT_TOPICS.deadLetters,
    ]);

    writeFileSync(config, 'kafka: { brokers: [] }\n');
    const bad = await topicsCreate(['--config', config, '--dry-run']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^vigil: ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid:`));
  });

  it('reports topics that exist, with their partitions beside the plan, and exits 0 when none is missing', async () => {
    const r = await topicsCreate([
      '--brokers',
      broker.bootstrap,
      '--raw-topic',
      'raw.kong',
      '-p',
      '4',
      '-r',
      '3',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { cluster: { brokers: number }; topics: PlannedJson[] };
    expect(out.cluster.brokers).toBe(3);
    expect(out.topics.map((t) => [t.topic, t.status, t.existing?.partitions])).toEqual([
      ['raw.kong', 'exists', 2],
      ...OUTPUTS.map((name) => [name, 'exists', 4]),
    ]);
    expect(out.topics[0]!.warnings).toEqual([
      expect.stringMatching(/^2 partitions, fewer than the 4 planned: left as is/),
    ]);
    // The mock cannot answer DescribeConfigs either: the decisions topic's policy is said to be unchecked.
    expect(out.topics.find((t) => t.role === 'decisions')!.warnings).toEqual([
      expect.stringMatching(/cleanup\.policy not checked/),
    ]);

    const text = await topicsCreate(['--brokers', broker.bootstrap, '--raw-topic', 'raw.kong', '-p', '4']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('  raw.kong: exists (2 partitions, replication 3)\n    warning: 2 partitions, fewer');
    expect(text.stdout).toContain(`  ${DEFAULT_TOPICS.alerts}: exists (4 partitions, replication 3)\n`);
  });

  it('says clearly that the cluster cannot create a missing topic, and exits 1', async () => {
    const r = await topicsCreate([
      '--brokers',
      broker.bootstrap,
      '--raw-topic',
      'raw.kong',
      'raw.envoy',
      '-p',
      '4',
      '-r',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^vigil: topics not created: the cluster names controller 0, which is not among its brokers \(1, 2, 3\), so it cannot serve CreateTopics/,
    );
    expect(r.stdout).toContain('  raw.envoy: missing, not created (would be 4 partitions, replication 1)\n');
    expect(r.stdout).toContain('  raw.kong: exists (2 partitions, replication 3)\n');

    // Nothing was created behind its back (Metadata with no topics creates nothing on the mock).
    const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.listTopics()).sort()).toEqual(['raw.kong', ...OUTPUTS].sort());
    await admin.disconnect();
  });

  it('gives up on unreachable brokers after --wait with one clear line and exit 1', async () => {
    const port = await getFreePort('127.0.0.1');
    const started = Date.now();
    const r = await topicsCreate(['--brokers', `127.0.0.1:${port}`, '--raw-topic', 'raw.kong', '--wait', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `vigil: cannot reach Kafka at 127.0.0.1:${port} within 1 s: Connection error: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses usage errors with exit 2: no raw topic, no brokers, a bad count', async () => {
    const env = { ...process.env, VIGIL_KAFKA_BROKERS: '' };
    expect(await topicsCreate(['--dry-run'], env)).toMatchObject({
      code: 2,
      stderr: 'vigil: no raw log topic: name one with --raw-topic or in --config\n',
    });
    expect(await topicsCreate(['--raw-topic', 'raw.kong'], env)).toMatchObject({
      code: 2,
      stderr: 'vigil: no brokers: give --brokers host:port[,…], --config, or VIGIL_KAFKA_BROKERS\n',
    });
    expect(await topicsCreate(['--raw-topic', 'raw.kong', '-p', 'six', '--dry-run'], env)).toMatchObject({
      code: 2,
      stderr: 'vigil: --partitions must be a whole number, got "six"\n',
    });
  });
});
