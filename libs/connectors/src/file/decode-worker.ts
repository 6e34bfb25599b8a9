/**
 * Worker thread of the DecodePool: splits a block of whole lines and decodes it with the same
 * SourceDecoder and the same readEventBatches the main thread would use, then sends back events (as
 * objects, serialized as NDJSON, or only counted) plus dead-letter records. Stateless between blocks,
 * so blocks can go to any worker — except for the optional aggregator, whose state is this worker's
 * share of a map-reduce (see WorkerAggregatorSpec).
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { createSourceDecoder, type AccessEvent, type DeadLetterRecord } from '@vigil/events';
import type {
  DecodeRequest,
  DecodeResponse,
  DecodeWorkerData,
  WorkerAggregator,
  WorkerAggregatorModule,
  WorkerRequest,
  WorkerResponse,
} from './decode-protocol';
import { readEventBatches } from './event-file-source';

const data = workerData as DecodeWorkerData;
const decoder = createSourceDecoder(data.gateway, data.config);
const aggregator: WorkerAggregator | null = data.aggregator
  ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is named at run time
    (require(data.aggregator.module) as WorkerAggregatorModule).createWorkerAggregator(data.aggregator.options)
  : null;

async function decodeBlock(req: DecodeRequest): Promise<DecodeResponse> {
  const keepEvents = data.output === 'objects' || aggregator !== null;
  const events: AccessEvent[] = [];
  const ndjson: string[] = [];
  const deadLetters: DeadLetterRecord[] = [];
  let eventCount = 0;
  let records = 0;
  let blankLines = 0;
  const block = Buffer.from(req.block.buffer, req.block.byteOffset, req.block.byteLength);
  for await (const b of readEventBatches(Readable.from([block]), decoder, {
    sourceName: data.sourceName,
    maxDeadLetterRawBytes: data.maxDeadLetterRawBytes,
    firstLine: req.firstLine,
    batchLines: 1 << 30,
  })) {
    eventCount += b.events.length;
    records += b.records;
    blankLines += b.blankLines;
    if (data.output === 'ndjson') for (const e of b.events) ndjson.push(JSON.stringify(e));
    if (keepEvents) for (const e of b.events) events.push(e);
    deadLetters.push(...b.deadLetters);
  }
  return {
    type: 'block',
    seq: req.seq,
    events: data.output === 'objects' ? events : null,
    eventsNdjson: data.output === 'ndjson' ? (ndjson.length ? ndjson.join('\n') + '\n' : '') : null,
    eventCount,
    deadLetters,
    records,
    blankLines,
    aggregate: aggregator ? aggregator.block(req.seq, events) : undefined,
  };
}

function send(res: WorkerResponse): void {
  parentPort!.postMessage(res);
}

parentPort!.on('message', (req: WorkerRequest) => {
  // Answers and drains are handled synchronously on arrival: the main thread sends them only after it
  // received the blocks they refer to, and the port delivers in order.
  if (req.type === 'answer') aggregator?.answer?.(req.seq, req.message);
  else if (req.type === 'drain') send({ type: 'drained', id: req.id, partial: aggregator?.drain() });
  else {
    decodeBlock(req).then(send, (err: unknown) => {
      throw err; // a bug: surfaces as the worker's 'error' event in the pool
    });
  }
});
