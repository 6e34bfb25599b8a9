/**
 * Re-keying (`kafka.repartition`): partition-owned windows see only their partition's records, so every
 * record of one entity must land on one partition — which a gateway's shipper keying by nothing (round
 * robin) or by a CDN edge's address does not give. The router reads the raw topics in a consumer group of
 * its own (`<groupId>.router`), decodes each record with the detector's own decoder for its topic (the
 * normalizer's trusted-proxy rules resolve the address), and produces the decoded event to each target
 * whose key the event carries, keyed by it: the repartition topic keyed by client address (`topic`), or
 * each detection lane's topic keyed by the lane's key (`lanes`, libs/detection lanes.ts). The event goes
 * as its Avro twin (schema/access-event-avro.ts, bare body of the current schema; header
 * ROUTED_EVENT_HEADER): a few hundred bytes instead of the gateway's 1.5–2.5 KB of JSON, encoded once for
 * every target and not parsed or normalized again by detection. Timestamp and headers are kept and the
 * source position added (SOURCE_HEADERS). A record that does not decode goes on to the first target as
 * its own bytes with its own key: detection dead-letters it as it would have.
 *
 * Exactly once without Kafka transactions: the router commits a fetch only after the broker acknowledged
 * its records (acks=-1, one request in flight: in order per target partition), so a crash or a rebalance
 * re-produces records, never loses them; the records of one source partition reach each target partition
 * in source-offset order, so detection keeps per source partition the highest source offset it applied
 * (in its checkpoint) and drops whatever arrives at or below it (SourceDeduplicator).
 */
import {
  KafkaRecordSource,
  type KafkaMessageOut,
  type KafkaRecordProducer,
  type SourceBatch,
  type SourceRecord,
} from '@vigil/connectors';
import { encodeAccessEventAvro, type AccessEvent } from '@vigil/events';
import type { Kafka } from 'kafkajs';
import type { Logger } from '@vigil/platform';
import type { DetectorMetrics } from '../ops/detector-metrics';
import type { RecordDecoder } from './record-decoders';

/** Headers the router adds: where the record was read. */
export const SOURCE_HEADERS = {
  topic: 'vigil-source-topic',
  partition: 'vigil-source-partition',
  offset: 'vigil-source-offset',
} as const;

/**
 * On a routed record whose value is the decoded event as an Avro body of the current AccessEvent schema
 * (the only value it takes so far); a record without it carries its source's bytes unchanged.
 */
export const ROUTED_EVENT_HEADER = 'vigil-routed-event';
export const ROUTED_EVENT_AVRO = 'avro-v2';

/** Where the router writes: a topic and the key an event has there (null: the event is not written to it). */
export interface RouteTarget {
  readonly topic: string;
  keyOf(e: AccessEvent): string | null;
}

export interface KeyRouterOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** The first also takes the records that do not decode. */
  readonly targets: readonly RouteTarget[];
  readonly producer: KafkaRecordProducer;
  readonly decoders: ReadonlyMap<string, RecordDecoder>;
  readonly consumer: { sessionTimeout: number; heartbeatInterval: number; maxWaitTimeInMs: number };
  readonly log: Logger;
  readonly metrics: DetectorMetrics;
}

export class KeyRouter {
  private readonly source: KafkaRecordSource;
  private loop: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly o: KeyRouterOptions) {
    if (o.targets.length === 0) throw new Error('the router needs at least one target');
    this.source = new KafkaRecordSource({
      kafka: o.kafka,
      groupId: o.groupId,
      topics: o.topics,
      consumer: o.consumer,
      onRestart: (err, attempt) => {
        o.metrics.consumerRestarts.inc();
        o.log.warn({ err, attempt }, 'router consumer failed; rebuilding it and rejoining the group');
      },
    });
  }

  get isJoined(): boolean {
    return this.source.isJoined;
  }

  /** Starts routing; `failed` is called if it stops on an error (the service then fails). */
  async start(failed: (err: Error) => void): Promise<void> {
    await this.source.start();
    this.loop = (async () => {
      for await (const batch of this.source.batches()) {
        await this.route(batch);
        if (this.stopping) return;
      }
    })().catch((err: Error) => {
      if (!this.stopping) failed(err);
    });
  }

  private async route(batch: SourceBatch): Promise<void> {
    const decoder = this.o.decoders.get(batch.topic)!;
    const targets = this.o.targets;
    const out: KafkaMessageOut[][] = targets.map(() => []);
    for (const r of batch.records) {
      const decoded = decoder.decode(r);
      if (!decoded.ok) {
        out[0]!.push(this.routed(batch, r, r.key, null));
        continue;
      }
      // Encoded once, shared by every target's message.
      const event = encodeAccessEventAvro(decoded.value);
      for (let t = 0; t < targets.length; t++) {
        const key = targets[t]!.keyOf(decoded.value);
        if (key !== null) out[t]!.push(this.routed(batch, r, key, event));
      }
    }
    // Every target acknowledged before the commit: a crash re-produces to all of them, never loses.
    await Promise.all(targets.map((t, i) => (out[i]!.length ? this.o.producer.send(t.topic, out[i]!) : undefined)));
    this.o.metrics.routed.inc({ source: batch.topic }, batch.records.length);
    await batch.ack({ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset });
  }

  /** A routed message: the decoded `event` (Avro), or the record's own bytes when it did not decode (null). */
  private routed(
    batch: SourceBatch,
    r: SourceRecord,
    key: string | Buffer | null,
    event: Buffer | null,
  ): KafkaMessageOut {
    const headers: Record<string, string> = {
      ...r.headers,
      [SOURCE_HEADERS.topic]: batch.topic,
      [SOURCE_HEADERS.partition]: String(batch.partition),
      [SOURCE_HEADERS.offset]: String(r.offset),
    };
    if (event) headers[ROUTED_EVENT_HEADER] = ROUTED_EVENT_AVRO;
    else delete headers[ROUTED_EVENT_HEADER];
    return { key, value: event ?? r.value, timestamp: r.timestamp, headers };
  }

  /** Finishes the fetch in hand (its records produced and committed), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.source.close();
    await this.loop;
  }
}

/**
 * Detection's side: per source (topic, partition), the highest source offset seen, so that a record the
 * router produced again (after its crash or a rebalance) is recognised. `seen` moves as records are
 * accepted; `applied` as batches close — the checkpoint keeps `applied`, because records of a batch still
 * open are read again by the next owner and must not count as seen then.
 */
export class SourceDeduplicator {
  private readonly seen = new Map<string, number>();
  private applied = new Map<string, number>();

  constructor(restored: Readonly<Record<string, number>> = {}) {
    for (const [k, v] of Object.entries(restored)) {
      this.seen.set(k, v);
      this.applied.set(k, v);
    }
  }

  /** The source of a record, or null if it did not come through the router. */
  static sourceOf(r: SourceRecord): { key: string; offset: number } | null {
    const topic = r.headers[SOURCE_HEADERS.topic];
    const partition = r.headers[SOURCE_HEADERS.partition];
    const offset = Number(r.headers[SOURCE_HEADERS.offset]);
    if (topic === undefined || partition === undefined || !Number.isInteger(offset)) return null;
    return { key: `${topic}/${partition}`, offset };
  }

  /** True (and remembered) if this source offset is new; false for a duplicate. */
  accept(key: string, offset: number): boolean {
    if (offset <= (this.seen.get(key) ?? -1)) return false;
    this.seen.set(key, offset);
    return true;
  }

  /** A batch closed with these sources applied. */
  markApplied(sources: readonly ({ key: string; offset: number } | null)[]): void {
    for (const s of sources) if (s && s.offset > (this.applied.get(s.key) ?? -1)) this.applied.set(s.key, s.offset);
  }

  /** What the checkpoint keeps. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.applied);
  }
}
