import { ensureMockBrokerBinary } from './kafka-broker';

/**
 * Runs once before the integration workers start: compile the Kafka mock broker here so that parallel
 * workers find it built instead of all compiling it at once. Servers themselves are started per test
 * file (startRedisServer, startKafkaMock), on free ports, so files never share state.
 *
 * A failed compile (say librdkafka-dev is missing) does not stop the run here: only the suites that start
 * a Kafka mock need it, and they fail with the same message naming the missing Debian package.
 */
export default async function globalSetup(): Promise<void> {
  await ensureMockBrokerBinary().catch(() => undefined);
}
