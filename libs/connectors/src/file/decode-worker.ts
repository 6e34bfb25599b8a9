/**
 * Worker thread of the DecodePool: decodes batches of log lines with the same SourceDecoder the main
 * thread would use, and sends back events (as objects, or already serialized as NDJSON for file output)
 * plus dead-letter records. Stateless between batches, so batches can go to any worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSourceDecoder, deadLetter, type AccessEvent, type DeadLetterRecord } from '@vigil/events';
import type { DecodeRequest, DecodeResponse, DecodeWorkerData } from './decode-protocol';

const data = workerData as DecodeWorkerData;
const decoder = createSourceDecoder(data.gateway, data.config);

parentPort!.on('message', (req: DecodeRequest) => {
  const events: AccessEvent[] = [];
  let counted = 0;
  const ndjson: string[] = [];
  const deadLetters: DeadLetterRecord[] = [];
  const { lines, lineNumbers } = req;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const r = decoder.decode(line);
    if (r.ok) {
      if (req.output === 'ndjson') ndjson.push(JSON.stringify(r.value));
      else if (req.output === 'objects') events.push(r.value);
      else counted++;
    } else {
      deadLetters.push(
        deadLetter(r, line, { source: req.sourceName, position: `line ${lineNumbers[i]}` }, data.maxDeadLetterRawBytes),
      );
    }
  }
  const res: DecodeResponse = {
    seq: req.seq,
    events: req.output === 'objects' ? events : null,
    eventsNdjson: req.output === 'ndjson' ? (ndjson.length ? ndjson.join('\n') + '\n' : '') : null,
    eventCount: req.output === 'ndjson' ? ndjson.length : req.output === 'objects' ? events.length : counted,
    deadLetters,
  };
  parentPort!.postMessage(res);
});
