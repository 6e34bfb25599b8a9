import { parseDetectorConfig, repartitionTopics } from './detector-config';

const base = (kafka: Record<string, unknown>, windows = 'partition') => ({
  kafka: { brokers: ['127.0.0.1:9092'], ...kafka },
  sources: [{ topic: 'raw.kong', format: 'kong' }],
  redis: { url: 'redis://127.0.0.1:6379', windows },
});
const lanes = { address: 'l.address', account: 'l.account', apiKey: 'l.apikey', logins: 'l.logins' };

describe('detector config: kafka.repartition', () => {
  it('reads detection lanes, one topic each, as the topics detection consumes', () => {
    const c = parseDetectorConfig(base({ repartition: { lanes } }), {}, 'test');
    expect(repartitionTopics(c.kafka.repartition)).toEqual(Object.values(lanes));
  });

  it('refuses lanes without partition windows, lanes beside topic, a lane on a source or two lanes on one topic', () => {
    expect(() => parseDetectorConfig(base({ repartition: { lanes } }, 'scripts'), {}, 'test')).toThrow(
      /lanes needs redis.windows: partition/,
    );
    expect(() => parseDetectorConfig(base({ repartition: { lanes, topic: 'x' } }), {}, 'test')).toThrow(
      /exactly one of topic/,
    );
    expect(() =>
      parseDetectorConfig(base({ repartition: { lanes: { ...lanes, logins: 'raw.kong' } } }), {}, 'test'),
    ).toThrow(/topics of their own/);
    expect(() =>
      parseDetectorConfig(base({ repartition: { lanes: { ...lanes, logins: 'l.account' } } }), {}, 'test'),
    ).toThrow(/a topic of its own per lane/);
  });
});
