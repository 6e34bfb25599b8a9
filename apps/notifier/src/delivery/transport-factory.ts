/**
 * A destination's transport from its validated config: TLS files read here, once, at start (a missing
 * file stops the start with its path), the shared producer handed to a Kafka destination.
 */
import { readFileSync } from 'node:fs';
import {
  KafkaTopicTransport,
  SplunkHecTransport,
  SyslogStreamTransport,
  SyslogUdpTransport,
  WebhookTransport,
  type KafkaRecordProducer,
  type SiemTransport,
  type SyslogHeaderOptions,
} from '@vigil/connectors';
import type { DestinationConfig } from '../config/notifier-config';

const pem = (path: string | undefined): string | undefined =>
  path === undefined ? undefined : readFileSync(path, 'utf8');

export function buildTransport(destination: DestinationConfig, producer: KafkaRecordProducer): SiemTransport {
  const t = destination.transport;
  switch (t.type) {
    case 'syslog': {
      const header: SyslogHeaderOptions = {
        facility: t.facility,
        hostname: t.hostname,
        appName: t.appName,
        enterpriseNumber: t.enterpriseNumber,
        bom: t.bom,
      };
      if (t.protocol === 'udp')
        return new SyslogUdpTransport({ host: t.host, port: t.port, header, maxMessageBytes: t.maxMessageBytes });
      return new SyslogStreamTransport({
        host: t.host,
        port: t.port,
        header,
        framing: t.framing,
        connectTimeoutMs: t.connectTimeoutMs,
        writeTimeoutMs: t.writeTimeoutMs,
        maxMessageBytes: t.maxMessageBytes,
        tls:
          t.protocol === 'tls'
            ? {
                ca: pem(t.tls?.caFile),
                cert: pem(t.tls?.certFile),
                key: pem(t.tls?.keyFile),
                servername: t.tls?.servername,
                rejectUnauthorized: t.tls?.rejectUnauthorized ?? true,
              }
            : undefined,
      });
    }
    case 'splunk-hec':
      return new SplunkHecTransport({
        url: t.url,
        token: t.token,
        index: t.index,
        source: t.source,
        sourcetype: t.sourcetype ?? `vigil:${destination.format}`,
        host: t.host,
        timeoutMs: t.timeoutMs,
        ack: t.ack,
        tls: t.tls && { ca: pem(t.tls.caFile), rejectUnauthorized: t.tls.rejectUnauthorized },
      });
    case 'webhook':
      return new WebhookTransport({
        url: t.url,
        secret: t.secret,
        headers: t.headers,
        timeoutMs: t.timeoutMs,
        tls: t.tls && { ca: pem(t.tls.caFile), rejectUnauthorized: t.tls.rejectUnauthorized },
      });
    case 'kafka':
      return new KafkaTopicTransport({ producer, topic: t.topic, format: destination.format });
  }
}
