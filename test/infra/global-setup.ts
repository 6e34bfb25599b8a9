import { ensureMockBrokerBinary } from './kafka-broker';

/**
 * Runs once before the integration workers start: compile the Kafka mock broker here so that parallel
 * workers find it built instead of all compiling it at once. Servers themselves are started per test
 * file (startRedisServer, startKafkaMock), on free ports, so files never share state.
 */
export default async function globalSetup(): Promise<void> {
  await ensureMockBrokerBinary();
}
