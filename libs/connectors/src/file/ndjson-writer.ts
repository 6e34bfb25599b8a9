/**
 * Buffered NDJSON output to a file or stdout that respects backpressure: `write` is synchronous and
 * cheap; `flush()` is awaited once per batch, so a slow disk slows the reader instead of filling memory.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

export class NdjsonWriter {
  private buffer: string[] = [];
  private written = 0;
  private closed = false;

  private constructor(
    private readonly out: Writable,
    private readonly ownsStream: boolean,
    readonly target: string,
  ) {}

  /** `-` is stdout. Parent folders are created. `append` keeps what the file holds (a service restarting). */
  static open(target: string, options: { append?: boolean } = {}): NdjsonWriter {
    if (target === '-') return new NdjsonWriter(process.stdout, false, 'stdout');
    mkdirSync(dirname(target), { recursive: true });
    const flags = options.append ? 'a' : 'w';
    return new NdjsonWriter(createWriteStream(target, { flags, highWaterMark: 1 << 20 }), true, target);
  }

  get count(): number {
    return this.written;
  }

  write(record: unknown): void {
    this.writeLine(JSON.stringify(record));
  }

  writeLine(line: string): void {
    this.buffer.push(line);
    this.written++;
  }

  /** Appends already-serialized NDJSON (`count` lines, each ending in a newline). */
  writeSerialized(text: string, count: number): void {
    if (count === 0) return;
    this.buffer.push(text.endsWith('\n') ? text.slice(0, -1) : text);
    this.written += count;
  }

  /** Hands what is buffered to the stream, waiting for it to drain when its buffer is full. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    if (!this.out.write(text)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        this.out.once('error', onError);
        this.out.once('drain', () => {
          this.out.off('error', onError);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    if (!this.ownsStream) return;
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}
