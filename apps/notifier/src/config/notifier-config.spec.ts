import { DEFAULT_TOPICS } from '@vigil/connectors';
import {
  DEFAULT_NOTIFIER_DEAD_LETTERS,
  NotifierConfigError,
  parseNotifierConfig,
  secretVariable,
} from './notifier-config';

const base = {
  kafka: { brokers: ['kafka:9092'] },
  destinations: [
    { name: 'qradar', format: 'leef', transport: { type: 'syslog', protocol: 'tls', host: 'qradar', port: 6514 } },
    { name: 'splunk-main', format: 'ecs', transport: { type: 'splunk-hec', url: 'https://splunk:8088' } },
    { name: 'soar', format: 'ocsf', transport: { type: 'webhook', url: 'https://soar.example/hooks/vigil' } },
  ],
};
type Editable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a config edited freely
const env = { VIGIL_NOTIFIER_SPLUNK_MAIN_TOKEN: 'tok-123', VIGIL_NOTIFIER_SOAR_SECRET: 'a-secret-of-16-chars' };

describe('notifier config', () => {
  it('reads secrets from VIGIL_NOTIFIER_<NAME>_TOKEN / _SECRET and fills the defaults', () => {
    const c = parseNotifierConfig(base, env);
    expect(c.kafka.topics).toEqual({ alerts: DEFAULT_TOPICS.alerts, deadLetters: DEFAULT_NOTIFIER_DEAD_LETTERS });
    expect(c.kafka.groupId).toBe('vigil-notifier');
    const [syslog, hec, hook] = c.destinations.map((d) => d.transport);
    expect(hec).toMatchObject({ type: 'splunk-hec', token: 'tok-123' });
    expect(hook).toMatchObject({ type: 'webhook', secret: 'a-secret-of-16-chars' });
    expect(syslog).toMatchObject({ facility: 'auth', framing: 'octet-counting', appName: 'vigil', bom: false });
    expect(c.destinations[0]!.retry).toEqual({ maxAttempts: 8, initialBackoffMs: 500, maxBackoffMs: 30_000 });
    expect(c.product.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(secretVariable('splunk-main', 'TOKEN')).toBe('VIGIL_NOTIFIER_SPLUNK_MAIN_TOKEN');
  });

  it('refuses a secret written in the file, and a missing one, naming the variable', () => {
    const inFile = structuredClone(base) as { destinations: { transport: Record<string, unknown> }[] };
    inFile.destinations[1]!.transport['token'] = 'oops';
    expect(() => parseNotifierConfig(inFile, env)).toThrow(
      /read from VIGIL_NOTIFIER_SPLUNK_MAIN_TOKEN, never from the config file/,
    );
    expect(() => parseNotifierConfig(base, { VIGIL_NOTIFIER_SPLUNK_MAIN_TOKEN: 't' })).toThrow(
      /set VIGIL_NOTIFIER_SOAR_SECRET/,
    );
    expect(() => parseNotifierConfig(base, { ...env, VIGIL_NOTIFIER_SOAR_SECRET: 'short' })).toThrow(
      NotifierConfigError,
    );
  });

  it('takes VIGIL_KAFKA_BROKERS, VIGIL_KAFKA_GROUP_ID, VIGIL_HTTP_PORT and VIGIL_LOG_LEVEL over the file', () => {
    const c = parseNotifierConfig(base, {
      ...env,
      VIGIL_KAFKA_BROKERS: 'a:1, b:2',
      VIGIL_KAFKA_GROUP_ID: 'g',
      VIGIL_HTTP_PORT: '9999',
      VIGIL_LOG_LEVEL: 'debug',
    });
    expect([c.kafka.brokers, c.kafka.groupId, c.http.port, c.logLevel]).toEqual([['a:1', 'b:2'], 'g', 9999, 'debug']);
  });

  it('refuses unknown keys, duplicate names, a LEEF delimiter that cannot separate, and TLS settings on plain TCP', () => {
    const bad = (patch: (c: Editable) => void) => {
      const c = structuredClone(base) as Editable;
      patch(c);
      return () => parseNotifierConfig(c, env);
    };
    expect(bad((c) => (c['colour'] = 'blue'))).toThrow(/Unrecognized key/);
    expect(bad((c) => (c['destinations'][0].name = 'soar'))).toThrow(/unique/);
    expect(bad((c) => (c['destinations'][0].leef = { delimiter: '=' }))).toThrow(/LEEF delimiter/);
    expect(
      bad((c) => (c['destinations'][0].transport = { ...c['destinations'][0].transport, protocol: 'tcp', tls: {} })),
    ).toThrow(/tls settings need protocol: tls/);
    expect(bad((c) => (c['destinations'][1].transport.url = 'ftp://splunk'))).toThrow(
      /destinations\.1\.transport\.url/,
    );
  });
});
