export { readLineBatches } from './file/line-reader';
export type { LineBatch, LineReaderOptions, OversizedLine } from './file/line-reader';
export { NdjsonWriter } from './file/ndjson-writer';
export { readEventBatches, openInput } from './file/event-file-source';
export { followFile, untilAborted } from './file/follow-file';
export type { FollowFileOptions } from './file/follow-file';
export type { EventBatch, OpenedInput, EventSourceOptions } from './file/event-file-source';
export { DecodePool } from './file/decode-pool';
export type { DecodePoolOptions, PooledBatch } from './file/decode-pool';
export type { WorkerAggregator, WorkerAggregatorModule, WorkerAggregatorSpec } from './file/decode-protocol';
export { readLineBlocks } from './file/line-blocks';
export type { LineBlock } from './file/line-blocks';
export type { CommitPosition, RecordSink, RecordSource, SourceBatch, SourceRecord } from './ports';
export { FileRecordSource, OVERSIZED_HEADER } from './file/file-record-source';
export type { FileRecordSourceOptions } from './file/file-record-source';
export { NdjsonRecordSink } from './file/ndjson-record-sink';
export { KafkaRecordSource, SourceRestartedError } from './kafka/kafka-record-source';
export type { KafkaRecordSourceOptions } from './kafka/kafka-record-source';
export { KafkaRecordProducer, KafkaRecordSink, jsonEncoder } from './kafka/kafka-record-sink';
export type { KafkaEncoder, KafkaMessageOut } from './kafka/kafka-record-sink';
export { deadLetterEncoder, DEAD_LETTER_HEADERS, DEFAULT_DEAD_LETTER_MAX_BYTES } from './kafka/dead-letter-encoder';
export type { RawDeadLetter } from './kafka/dead-letter-encoder';
// SIEM delivery: the alert as formats read it, the four formats, the transports, batch delivery with retries.
export { decodeSiemAlert, DEFAULT_MAX_ALERT_BYTES, SIEM_SEVERITIES } from './siem/siem-alert';
export type { SiemAlert, SiemProduct, SiemReason, SiemSeverity } from './siem/siem-alert';
export { SIEM_FORMATS, siemFormatter } from './siem/formats/siem-format';
export type { RenderedAlert, SiemFormat, SiemFormatter, SiemFormatterOptions } from './siem/formats/siem-format';
export { escapeCefExtension, escapeCefHeader, formatCef } from './siem/formats/cef';
export { escapeLeefHeader, escapeLeefValue, formatLeef, leefDelimiterProblem } from './siem/formats/leef';
export type { LeefOptions } from './siem/formats/leef';
export { ecsDocument, ECS_VERSION, formatEcs } from './siem/formats/ecs';
export { formatOcsf, ocsfDetectionFinding, OCSF_VERSION } from './siem/formats/ocsf';
export type { OutboundRecord, SendOutcome, SiemTransport } from './siem/transports/siem-transport';
export { frameSyslog, SYSLOG_FACILITIES, syslogMessage } from './siem/transports/syslog-message';
export type { SyslogFacility, SyslogFraming, SyslogHeaderOptions } from './siem/transports/syslog-message';
export { SyslogStreamTransport } from './siem/transports/syslog-stream';
export type { SyslogStreamOptions, SyslogTlsOptions } from './siem/transports/syslog-stream';
export { SyslogUdpTransport } from './siem/transports/syslog-udp';
export type { SyslogUdpOptions } from './siem/transports/syslog-udp';
export { HEC_ACK_PATH, HEC_EVENT_PATH, SplunkHecTransport } from './siem/transports/splunk-hec';
export type { SplunkHecOptions } from './siem/transports/splunk-hec';
export {
  signWebhookBody,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  webhookDeliveryId,
  WebhookTransport,
} from './siem/transports/webhook';
export type { WebhookOptions, WebhookVerification } from './siem/transports/webhook';
export { KAFKA_TOPIC_HEADERS, KafkaTopicTransport } from './siem/transports/kafka-topic';
export type { KafkaTopicOptions } from './siem/transports/kafka-topic';
export type { HttpTlsOptions } from './siem/transports/http-post';
export { abortableSleep, backoffMs, DEFAULT_RETRY_POLICY } from './siem/delivery/retry-policy';
export type { RetryPolicy } from './siem/delivery/retry-policy';
export { deliverAlertBatch } from './siem/delivery/alert-delivery';
export type { AlertBatchResult, AlertDeliveryOptions, RecordResult } from './siem/delivery/alert-delivery';
export { SIEM_DEAD_LETTER_HEADERS, siemDeadLetterEncoder } from './siem/delivery/siem-dead-letter';
export type { SiemDeadLetter, SiemDeadLetterReason } from './siem/delivery/siem-dead-letter';
export { DEFAULT_TOPICS } from './kafka/topics';
export { keyPartitioner } from './kafka/key-partitioner';
