/**
 * Worker thread of the DecodePool: splits a block of whole lines and decodes it with the same
 * SourceDecoder and the same readEventBatches the main thread would use, then sends back events (as
 * objects, serialized as NDJSON, or only counted) plus dead-letter records. Stateless between blocks,
 * so blocks can go to any worker.
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { createSourceDecoder, type AccessEvent, type DeadLetterRecord } from '@vigil/events';
import type { DecodeRequest, DecodeResponse, DecodeWorkerData } from './decode-protocol';
import { readEventBatches } from './event-file-source';

const data = workerData as DecodeWorkerData;
const decoder = createSourceDecoder(data.gateway, data.config);

async function decodeBlock(req: DecodeRequest): Promise<DecodeResponse> {
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
    else if (data.output === 'objects') events.push(...b.events);
    deadLetters.push(...b.deadLetters);
  }
  return {
    seq: req.seq,
    events: data.output === 'objects' ? events : null,
    eventsNdjson: data.output === 'ndjson' ? (ndjson.length ? ndjson.join('\n') + '\n' : '') : null,
    eventCount,
    deadLetters,
    records,
    blankLines,
  };
}

parentPort!.on('message', (req: DecodeRequest) => {
  decodeBlock(req).then(
    (res) => parentPort!.postMessage(res),
    (err: unknown) => {
      throw err; // a bug: surfaces as the worker's 'error' event in the pool
    },
  );
});
