/**
 * The RecordSource / RecordSink contract, run against every implementation (files, Kafka): what a sink
 * wrote a source reads back byte for byte and in order; a reader resumes after the position it
 * committed — even one inside a batch — and gets again whatever it did not commit.
 */
import type { RecordSink, RecordSource, SourceBatch, SourceRecord } from '@vigil/connectors';

export interface RecordStreamHarness {
  /** A fresh stream (topic or file) for one test; returns its name. */
  newStream(name: string): Promise<string>;
  /** A sink writing JSON lines/values to the stream. */
  sink(stream: string): RecordSink<Record<string, unknown>>;
  /** Appends raw values to the stream (what a gateway would produce). */
  append(stream: string, values: readonly Buffer[]): Promise<void>;
  /** A reader of the stream; the same `reader` name resumes where that reader committed. */
  source(stream: string, reader: string): RecordSource;
}

/** Reads batches until `count` records arrived; acknowledges each with `commitAt(batch)`. */
export async function readRecords(
  source: RecordSource,
  count: number,
  commitAt: (b: SourceBatch, seenBefore: number) => number | null = (b) => b.nextOffset,
  timeoutMs = 20_000,
): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const timer = setTimeout(() => void source.close(), timeoutMs);
  try {
    for await (const b of source.batches()) {
      const at = commitAt(b, out.length);
      out.push(...b.records);
      await b.ack(at === null ? null : { topic: b.topic, partition: b.partition, offset: at });
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

export function recordStreamContract(name: string, harness: () => RecordStreamHarness): void {
  describe(`RecordSource and RecordSink contract: ${name}`, () => {
    it('reads back every record a sink wrote, in order, with the bytes it was given', async () => {
      const h = harness();
      const stream = await h.newStream('roundtrip');
      const sink = h.sink(stream);
      const records = Array.from({ length: 120 }, (_, i) => ({
        i,
        text: `record ${i} é ☃`,
        nested: { even: i % 2 === 0 },
      }));
      await sink.write(records.slice(0, 70));
      await sink.write(records.slice(70));
      await sink.close();
      const source = h.source(stream, 'reader-a');
      const read = await readRecords(source, records.length);
      await source.close();
      expect(read.map((r) => JSON.parse(r.value!.toString('utf8')))).toEqual(records);
      const offsets = read.map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Set(offsets).size).toBe(offsets.length);
    });

    it('keeps control characters and multi-byte text exactly as they were', async () => {
      const h = harness();
      const stream = await h.newStream('binary');
      // No newline bytes (a file's record ends at one) and valid UTF-8 (a file is text: its reader
      // replaces invalid sequences; Kafka keeps any bytes, tested beside the Kafka harness).
      const values = [Buffer.from([0x00, 0x01, 0x7f, 0x09]), Buffer.from('{"ok":true}'), Buffer.from('€𝄞', 'utf8')];
      await h.append(stream, values);
      const source = h.source(stream, 'reader-b');
      const read = await readRecords(source, values.length);
      await source.close();
      expect(read.map((r) => r.value!.toString('hex'))).toEqual(values.map((v) => v.toString('hex')));
    });

    it('resumes after a position committed inside a batch and redelivers what was not committed', async () => {
      const h = harness();
      const stream = await h.newStream('resume');
      const values = Array.from({ length: 10 }, (_, i) => Buffer.from(`{"n":${i}}`));
      await h.append(stream, values);
      const first = h.source(stream, 'reader-c');
      // Commit only up to the 7th record of what has been seen (the reader still "holds" the rest).
      const seen = await readRecords(first, 10, (b, before) => {
        const upTo = Math.min(7 - before, b.records.length);
        return upTo > 0 ? b.records[upTo - 1]!.offset + 1 : null;
      });
      await first.close();
      expect(seen).toHaveLength(10);
      const second = h.source(stream, 'reader-c');
      const again = await readRecords(second, 3);
      await second.close();
      expect(again.map((r) => r.offset)).toEqual(seen.slice(7).map((r) => r.offset));
      expect(again.map((r) => r.value!.toString())).toEqual(['{"n":7}', '{"n":8}', '{"n":9}']);
    });

    it('delivers a batch that was never acknowledged again to the next reader', async () => {
      const h = harness();
      const stream = await h.newStream('unacked');
      await h.append(stream, [Buffer.from('a'), Buffer.from('b')]);
      const first = h.source(stream, 'reader-d');
      for await (const b of first.batches()) {
        expect(b.records.length).toBeGreaterThan(0);
        break; // not acknowledged
      }
      await first.close();
      const second = h.source(stream, 'reader-d');
      const read = await readRecords(second, 2);
      await second.close();
      expect(read.map((r) => r.value!.toString())).toEqual(['a', 'b']);
    });
  });
}
