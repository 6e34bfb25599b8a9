import type { Admin } from 'kafkajs';
import { createMissingTopics, hasReachableController, type ClusterView } from './broker-admin';
import { planTopics } from './topic-plan';

const cluster = (brokers: number, controller: number | null = 1): ClusterView => ({
  brokers: Array.from({ length: brokers }, (_, i) => ({ nodeId: i + 1, host: `kafka-${i + 1}`, port: 9092 })),
  controller,
  clusterId: 'test-cluster',
});

const plan = planTopics(
  { raw: ['raw.kong'], decisions: 'd', alerts: 'a', audit: 'au', deadLetters: 'dl' },
  { partitions: 6, replicationFactor: 3 },
);

/** An admin whose createTopics records its request and answers with `answer`. */
function admin(answer: () => Promise<boolean> = async () => true) {
  const requests: Parameters<Admin['createTopics']>[0][] = [];
  return {
    requests,
    createTopics: (request: Parameters<Admin['createTopics']>[0]) => {
      requests.push(request);
      return answer();
    },
  };
}

describe('hasReachableController', () => {
  it('needs the controller id among the brokers', () => {
    expect(hasReachableController(cluster(3, 2))).toBe(true);
    expect(hasReachableController(cluster(3, 0))).toBe(false);
    expect(hasReachableController(cluster(3, null))).toBe(false);
  });
});

describe('createMissingTopics', () => {
  it('sends one CreateTopics request with each topic’s partitions, replication and config entries', async () => {
    const a = admin();
    const result = await createMissingTopics(a, cluster(3), plan.slice(0, 2));
    expect(result).toEqual({
      outcomes: [
        { topic: 'raw.kong', status: 'created' },
        { topic: 'd', status: 'created' },
      ],
      refusal: null,
    });
    expect(a.requests).toEqual([
      {
        topics: [
          {
            topic: 'raw.kong',
            numPartitions: 6,
            replicationFactor: 3,
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
          {
            topic: 'd',
            numPartitions: 6,
            replicationFactor: 3,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'min.insync.replicas', value: '2' },
            ],
          },
        ],
        waitForLeaders: true,
        timeout: 30_000,
      },
    ]);
  });

  it('sends nothing to a cluster whose controller is not among its brokers, and says why', async () => {
    const a = admin();
    const result = await createMissingTopics(a, cluster(3, 0), plan);
    expect(a.requests).toEqual([]);
    expect(result.refusal).toMatch(/^the cluster names controller 0, which is not among its brokers \(1, 2, 3\)/);
    expect(result.outcomes.every((o) => o.status === 'not-created')).toBe(true);
  });

  it('sends nothing when the replication asked for exceeds the brokers, and names the value to use', async () => {
    const a = admin();
    const result = await createMissingTopics(a, cluster(1), plan);
    expect(a.requests).toEqual([]);
    expect(result.refusal).toBe(
      "--replication-factor 3 is more than the cluster's 1 broker: use --replication-factor 1 or fewer",
    );
  });

  it('maps per-topic errors: the ones named failed (or created meanwhile), the rest created', async () => {
    const aggregate = Object.assign(new Error('Topic creation errors'), {
      errors: [
        { topic: 'd', type: 'POLICY_VIOLATION', message: 'compaction is not allowed here' },
        { topic: 'a', type: 'TOPIC_ALREADY_EXISTS', message: 'Topic with this name already exists' },
      ],
    });
    const result = await createMissingTopics(
      admin(() => Promise.reject(aggregate)),
      cluster(3),
      plan.slice(0, 3),
    );
    expect(result.outcomes).toEqual([
      { topic: 'raw.kong', status: 'created' },
      { topic: 'd', status: 'failed', error: 'POLICY_VIOLATION: compaction is not allowed here' },
      { topic: 'a', status: 'exists', warnings: ['created meanwhile by someone else'] },
    ]);
  });

  it('marks every topic failed on an error that names none', async () => {
    const result = await createMissingTopics(
      admin(() => Promise.reject(new Error('Request timed out'))),
      cluster(3),
      plan.slice(0, 2),
    );
    expect(result.outcomes).toEqual([
      { topic: 'raw.kong', status: 'failed', error: 'Request timed out' },
      { topic: 'd', status: 'failed', error: 'Request timed out' },
    ]);
  });
});
