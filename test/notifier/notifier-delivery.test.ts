/**
 * The notifier in-process on the Kafka mock, delivering one stream of alerts to five destinations at
 * once, each with its own consumer group: a Splunk HEC that is busy twice (503, HEC code 9) and then
 * accepts, a HEC given the wrong token (403, code 4: refused for good), a signed webhook that is busy
 * once and refuses one alert (400), a webhook that never recovers (retries exhausted), and a Kafka
 * topic the CEF lines are re-published to. Bad records on the alerts topic (not JSON, not an alert, too
 * large) are dead-lettered with their reason by every destination and never stop it.
 *
 * Proves: retried deliveries arrive exactly once; refusals and exhausted retries are dead-lettered
 * with reason, code, attempts and the original bytes; every group commits the whole topic; the metrics
 * count it all per destination; /health and /ready answer 200.
 */
import type { KafkaMessage } from 'kafkajs';
import { KAFKA_TOPIC_HEADERS, SIEM_DEAD_LETTER_HEADERS, type SiemAlert } from '@vigil/connectors';
import { committedOffsets } from '../detector/detector-runs';
import {
  alertOf,
  headerText,
  kafkaSection,
  metricValue,
  NOTIFIER_TOPICS,
  startNotifier,
  startNotifierBroker,
  waitFor,
  type InProcessNotifier,
  type NotifierBroker,
} from './notifier-fixture';
import { hecReceiver, webhookReceiver, type HecEvent } from './siem-receivers';

const TOKEN = '11111111-2222-3333-4444-555555555555';
const SECRET = 'webhook-secret-0123456789';
const fastRetry = { maxAttempts: 5, initialBackoffMs: 50, maxBackoffMs: 200 };

describe('notifier delivery to HEC, webhooks and Kafka', () => {
  let kafka: NotifierBroker;
  let notifier: InProcessNotifier;
  const hec = hecReceiver(TOKEN, [
    { status: 503, body: { text: 'Server is busy', code: 9 } },
    { status: 503, body: { text: 'Server is busy', code: 9 } },
  ]);
  const wrongToken = hecReceiver(TOKEN);
  const webhook = webhookReceiver(SECRET, {
    script: [{ status: 503, body: { error: 'busy' } }],
    refuse: (records) =>
      records.some((r) => (r as { finding_info: { uid: string } }).finding_info.uid === 'refuse-me')
        ? { status: 400, body: { error: 'unknown tenant' } }
        : null,
  });
  const down = webhookReceiver(SECRET, { refuse: () => ({ status: 503, body: { error: 'down' } }) });
  const good = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => alertOf(id));
  const refused = alertOf('refuse-me', { entity: { type: 'principal', value: 'hmac:é|=\\' } });
  const huge = Buffer.alloc(200_000, 'x');

  beforeAll(async () => {
    kafka = await startNotifierBroker();
    await Promise.all([hec.start(), wrongToken.start(), webhook.start(), down.start()]);
    notifier = await startNotifier(
      {
        kafka: kafkaSection(kafka.broker, 'notifier-delivery'),
        maxAlertBytes: 100_000,
        destinations: [
          {
            name: 'splunk',
            format: 'ecs',
            retry: fastRetry,
            transport: { type: 'splunk-hec', url: hec.url, index: 'sec' },
          },
          { name: 'splunk-bad-token', format: 'cef', transport: { type: 'splunk-hec', url: wrongToken.url } },
          {
            name: 'webhook',
            format: 'ocsf',
            maxBatch: 1,
            retry: fastRetry,
            transport: { type: 'webhook', url: `${webhook.url}/hooks/vigil` },
          },
          {
            name: 'webhook-down',
            format: 'ecs',
            retry: { ...fastRetry, maxAttempts: 2 },
            transport: { type: 'webhook', url: down.url },
          },
          { name: 'kafka-cef', format: 'cef', transport: { type: 'kafka', topic: NOTIFIER_TOPICS.republished } },
        ],
      },
      {
        VIGIL_NOTIFIER_SPLUNK_TOKEN: TOKEN,
        VIGIL_NOTIFIER_SPLUNK_BAD_TOKEN_TOKEN: 'not-the-token',
        VIGIL_NOTIFIER_WEBHOOK_SECRET: SECRET,
        VIGIL_NOTIFIER_WEBHOOK_DOWN_SECRET: SECRET,
      },
    );
    await kafka.readersJoined;
  }, 60_000);

  afterAll(async () => {
    await notifier?.stop();
    await Promise.all([hec.stop(), wrongToken.stop(), webhook.stop(), down.stop()]);
    await kafka?.stop();
  }, 60_000);

  it('delivers, retries, refuses and dead-letters per destination, and commits everything', async () => {
    await kafka.produce([
      ...good.slice(0, 2),
      'not json {',
      refused,
      { id: 'x' } as unknown as SiemAlert,
      huge,
      ...good.slice(2),
    ]);
    const groups = ['splunk', 'splunk-bad-token', 'webhook', 'webhook-down', 'kafka-cef'].map(
      (d) => `notifier-delivery.${d}`,
    );
    await waitFor(
      'every destination group to commit the whole topic',
      async () => {
        for (const g of groups)
          if ((await committedOffsets(kafka.kafka, g, NOTIFIER_TOPICS.alerts))[0] !== 9) return false;
        return true;
      },
      40_000,
    );

    // HEC: 503 twice, then every alert once, as ECS, with the token and the alert id as an indexed field.
    expect(hec.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(hec.accepted.map((e) => e.fields.vigil_alert_id)).toEqual(['a1', 'a2', 'refuse-me', 'a3', 'a4', 'a5']);
    const first = hec.accepted[0] as HecEvent & { event: { event: { kind: string }; vigil: { alert_id: string } } };
    expect([first.sourcetype, first.index, first.time, first.event.event.kind]).toEqual([
      'vigil:ecs',
      'sec',
      1_700_000_000,
      'alert',
    ]);

    // Webhook: the first request 503 (retried), refuse-me refused with 400, the rest once each, signed.
    expect(webhook.requests[0]!.status).toBe(503);
    expect(webhook.accepted.map((r) => (r as { finding_info: { uid: string } }).finding_info.uid)).toEqual([
      'a1',
      'a2',
      'a3',
      'a4',
      'a5',
    ]);
    expect(new Set(webhook.requests.map((r) => r.path))).toEqual(new Set(['/hooks/vigil']));

    // Kafka: one CEF line per alert, keyed by its id.
    await waitFor('the re-published CEF lines', () => kafka.outputs.republished.length >= 6, 10_000);
    expect(kafka.outputs.republished.map((m) => m.key!.toString())).toEqual([
      'a1',
      'a2',
      'refuse-me',
      'a3',
      'a4',
      'a5',
    ]);
    for (const m of kafka.outputs.republished) {
      expect(m.value!.toString()).toMatch(/^CEF:0\|Vigil\|Vigil\|[^|]+\|credential_stuffing\|/);
      expect(headerText(m, KAFKA_TOPIC_HEADERS.format)).toBe('cef');
    }
    const refusedLine = kafka.outputs.republished[2]!.value!.toString();
    expect(refusedLine).toContain(String.raw`suser=hmac:é|\=\\`);

    // Dead letters: per destination, with reason, code, attempts, position and the bytes as produced.
    await waitFor('the dead letters', () => kafka.outputs.deadLetters.length >= 3 * 5 + 1 + 6 + 6, 10_000);
    const dl = (destination: string) =>
      kafka.outputs.deadLetters
        .filter((m) => headerText(m, SIEM_DEAD_LETTER_HEADERS.destination) === destination)
        .map((m) => summary(m));
    expect(dl('splunk')).toEqual([
      { offset: '2', reason: 'malformed_json', code: undefined, attempts: '0', value: 'not json {' },
      { offset: '4', reason: 'missing_field', code: undefined, attempts: '0', value: '{"id":"x"}' },
      { offset: '5', reason: 'record_too_large', code: undefined, attempts: '0', value: `${huge.length} bytes` },
    ]);
    expect(dl('webhook').filter((d) => d.reason === 'siem_refused')).toEqual([
      { offset: '3', reason: 'siem_refused', code: 'http_400', attempts: '1', value: JSON.stringify(refused) },
    ]);
    const badToken = dl('splunk-bad-token').filter((d) => d.reason === 'siem_refused');
    expect(badToken.map((d) => [d.offset, d.code, d.attempts])).toEqual(
      ['0', '1', '3', '6', '7', '8'].map((o) => [o, 'http_403', '1']),
    );
    const exhausted = dl('webhook-down').filter((d) => d.reason === 'retries_exhausted');
    expect(exhausted.map((d) => [d.code, d.attempts])).toEqual(Array(6).fill(['http_503', '2']));
    const detail = kafka.outputs.deadLetters.find(
      (m) =>
        headerText(m, SIEM_DEAD_LETTER_HEADERS.destination) === 'splunk-bad-token' &&
        headerText(m, 'vigil-delivery-code'),
    )!;
    expect(headerText(detail, SIEM_DEAD_LETTER_HEADERS.detail)).toBe('HTTP 403: HEC code 4 (Invalid token)');
    expect(headerText(detail, SIEM_DEAD_LETTER_HEADERS.source)).toBe(NOTIFIER_TOPICS.alerts);

    // Metrics by destination.
    const m = await notifier.metrics();
    const v = (series: string) => metricValue(m, series);
    expect(v('vigil_notifier_delivered_total{destination="splunk"}')).toBe(6);
    expect(v('vigil_notifier_delivered_total{destination="webhook"}')).toBe(5);
    expect(v('vigil_notifier_delivered_total{destination="kafka-cef"}')).toBe(6);
    expect(v('vigil_notifier_retried_total{destination="splunk"}')).toBe(12);
    expect(v('vigil_notifier_failed_sends_total{destination="splunk",code="http_503"}')).toBe(12);
    expect(v('vigil_notifier_dead_lettered_total{destination="webhook",reason="siem_refused"}')).toBe(1);
    expect(v('vigil_notifier_dead_lettered_total{destination="webhook-down",reason="retries_exhausted"}')).toBe(6);
    expect(v('vigil_notifier_dead_lettered_total{destination="splunk",reason="record_too_large"}')).toBe(1);
    expect(v('vigil_notifier_records_consumed_total{destination="splunk",outcome="invalid"}')).toBe(3);
    expect(v('vigil_notifier_delivery_latency_seconds_count{destination="splunk"}')).toBe(6);
    expect((await fetch(`${notifier.baseUrl}/health`)).status).toBe(200);
    const ready = await fetch(`${notifier.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(Object.keys(((await ready.json()) as { info: object }).info).sort()).toEqual([
      'destination:kafka-cef',
      'destination:splunk',
      'destination:splunk-bad-token',
      'destination:webhook',
      'destination:webhook-down',
    ]);
  }, 60_000);
});

function summary(m: KafkaMessage) {
  const value = m.value!;
  return {
    offset: /offset (\d+)/.exec(headerText(m, SIEM_DEAD_LETTER_HEADERS.position) ?? '')?.[1],
    reason: headerText(m, SIEM_DEAD_LETTER_HEADERS.reason),
    code: headerText(m, SIEM_DEAD_LETTER_HEADERS.code),
    attempts: headerText(m, SIEM_DEAD_LETTER_HEADERS.attempts),
    value: value.length > 1000 ? `${value.length} bytes` : value.toString(),
  };
}
