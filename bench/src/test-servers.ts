/**
 * The integration tests' throwaway servers — the librdkafka mock broker and redis-server of test/infra —
 * for benches. test/ is TypeScript that only Jest compiles, so its files are compiled here on load with
 * swc (the devDependency Jest uses), and the bench starts, owns and stops the servers exactly as a test
 * does (same binaries, free ports, killed with this process). Only files under test/infra are loaded so.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { transformSync } from '@swc/core';

const TEST_INFRA = resolve(__dirname, '..', '..', 'test', 'infra');

/** What the bench uses of test/infra/kafka-broker.ts's KafkaMock. */
export interface KafkaMockServer {
  readonly brokers: string[];
  stop(): Promise<void>;
}

/** What the bench uses of test/infra/redis-server.ts's RedisServer. */
export interface RedisTestServer {
  readonly url: string;
  stop(): Promise<void>;
}

interface CompilableModule {
  _compile(code: string, filename: string): void;
}

const load = createRequire(__filename);

function requireTestInfra<T>(file: string): T {
  const extensions = load.extensions;
  if (!extensions['.ts']) {
    extensions['.ts'] = (module, filename) => {
      if (!filename.startsWith(TEST_INFRA + sep)) throw new Error(`${filename}: only test/infra is compiled on load`);
      const { code } = transformSync(readFileSync(filename, 'utf8'), {
        filename,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      (module as unknown as CompilableModule)._compile(code, filename);
    };
  }
  return load(join(TEST_INFRA, file)) as T;
}

export function startKafkaMock(options: {
  brokers?: number;
  topics?: readonly { name: string; partitions: number }[];
}): Promise<KafkaMockServer> {
  return requireTestInfra<{ startKafkaMock: (o: typeof options) => Promise<KafkaMockServer> }>(
    'kafka-broker.ts',
  ).startKafkaMock(options);
}

export function startRedisServer(): Promise<RedisTestServer> {
  return requireTestInfra<{ startRedisServer: () => Promise<RedisTestServer> }>('redis-server.ts').startRedisServer();
}
