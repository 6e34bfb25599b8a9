/**
 * A file (or stdin) of gateway log lines as a stream of decoded batches: events plus dead-letter
 * records for everything that could not be decoded. Every line ends up in exactly one of the two.
 * The Kafka source yields the same EventBatch shape, so consumers (replay, features, training,
 * inventory, the detector) do not care where records came from.
 */
import { createGunzip } from 'node:zlib';
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { deadLetter, fail, type AccessEvent, type DeadLetterRecord, type SourceDecoder } from '@vigil/events';
import { readLineBatches, type OversizedLine } from './line-reader';

export interface EventBatch {
  readonly events: AccessEvent[];
  readonly deadLetters: DeadLetterRecord[];
  /** Records (non-blank lines) in this batch: events.length + deadLetters.length. */
  readonly records: number;
  readonly blankLines: number;
  /** Bytes consumed from the input so far. */
  readonly bytesRead: number;
}

export interface OpenedInput {
  readonly stream: Readable;
  readonly name: string;
  /** Size in bytes when the input is a regular file. */
  readonly size: number | undefined;
}

/**
 * `-` is stdin; a `.gz` file is read through gunzip (its size is then unknown: progress shows no %).
 * A missing file is an error with a message a user can act on.
 */
export function openInput(path: string): OpenedInput {
  if (path === '-') return { stream: process.stdin, name: 'stdin', size: undefined };
  let size: number | undefined;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error(`input ${path} is a directory; give a log file or - for stdin`);
    size = st.isFile() ? st.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`input file ${path} does not exist`);
    throw err;
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (path.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    // A read error (or a corrupt archive) surfaces on the stream the reader consumes.
    raw.on('error', (err) => gunzip.destroy(err));
    return { stream: raw.pipe(gunzip), name: path, size: undefined };
  }
  return { stream: raw, name: path, size };
}

export interface EventSourceOptions {
  /** Name recorded in dead-letter records (`source`). */
  readonly sourceName: string;
  readonly batchLines?: number;
  readonly maxDeadLetterRawBytes?: number;
  /** Line number of the stream's first line (default 1). */
  readonly firstLine?: number;
}

export async function* readEventBatches(
  input: Readable,
  decoder: SourceDecoder,
  options: EventSourceOptions,
): AsyncGenerator<EventBatch> {
  const rawMax = options.maxDeadLetterRawBytes;
  for await (const batch of readLineBatches(input, {
    maxLineBytes: decoder.maxRecordBytes,
    batchLines: options.batchLines ?? 4096,
    firstLine: options.firstLine,
  })) {
    const events: AccessEvent[] = [];
    const deadLetters: DeadLetterRecord[] = [];
    const { lines, lineNumbers, oversized } = batch;
    // Dead letters in line order: oversized lines (cut by the reader) are merged in where they stood.
    let o = 0;
    const flushOversized = (beforeLine: number) => {
      while (o < oversized.length && oversized[o]!.line < beforeLine) {
        deadLetters.push(oversizedDeadLetter(oversized[o++]!, decoder.maxRecordBytes, options));
      }
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (o < oversized.length) flushOversized(lineNumbers[i]!);
      const result = decoder.decode(line);
      if (result.ok) events.push(result.value);
      else
        deadLetters.push(
          deadLetter(result, line, { source: options.sourceName, position: `line ${lineNumbers[i]}` }, rawMax),
        );
    }
    flushOversized(Infinity);
    yield {
      events,
      deadLetters,
      records: lines.length + oversized.length,
      blankLines: batch.blankLines,
      bytesRead: batch.bytesRead,
    };
  }
}

export function oversizedDeadLetter(
  big: OversizedLine,
  maxRecordBytes: number,
  options: EventSourceOptions,
): DeadLetterRecord {
  return deadLetter(
    fail('record_too_large', `line is ${big.bytes} bytes, over the limit of ${maxRecordBytes}`),
    big.head,
    { source: options.sourceName, position: `line ${big.line}`, rawBytes: big.bytes },
    options.maxDeadLetterRawBytes,
  );
}
