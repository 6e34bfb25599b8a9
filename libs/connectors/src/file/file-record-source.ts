/**
 * A file as a RecordSource: one record per line (offset = line number - 1, blank lines included, so
 * offsets stay where the lines are), in batches of `batchLines`. Committed positions are kept in memory
 * and, with `offsetsFile`, in a small JSON file, so a restarted reader resumes after the last committed
 * line like a consumer group does. A line over `maxLineBytes` is a record of its head with the header
 * `vigil-oversized-bytes` (its full size).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readLineBatches } from './line-reader';
import { openInput } from './event-file-source';
import type { CommitPosition, RecordSource, SourceBatch, SourceRecord } from '../ports';

export interface FileRecordSourceOptions {
  readonly path: string;
  /** The topic its batches carry; default the path. */
  readonly topic?: string;
  readonly batchLines?: number;
  readonly maxLineBytes?: number;
  /** Where committed positions survive a restart; without it they live as long as the object. */
  readonly offsetsFile?: string;
}

export const OVERSIZED_HEADER = 'vigil-oversized-bytes';

export class FileRecordSource implements RecordSource {
  private readonly topic: string;
  private committed: Record<string, number>;
  private closed = false;

  constructor(private readonly o: FileRecordSourceOptions) {
    this.topic = o.topic ?? o.path;
    this.committed =
      o.offsetsFile && existsSync(o.offsetsFile)
        ? (JSON.parse(readFileSync(o.offsetsFile, 'utf8')) as Record<string, number>)
        : {};
  }

  /** The committed position of (topic, partition 0): the next line to read. */
  committedOffset(): number {
    return this.committed[`${this.topic}:0`] ?? 0;
  }

  async *batches(): AsyncGenerator<SourceBatch> {
    const from = this.committedOffset();
    const input = openInput(this.o.path);
    try {
      for await (const b of readLineBatches(input.stream, {
        maxLineBytes: this.o.maxLineBytes ?? 1 << 20,
        batchLines: this.o.batchLines ?? 4096,
      })) {
        if (this.closed) return;
        const records: SourceRecord[] = [];
        const now = Date.now();
        let o = 0;
        const take = (before: number) => {
          while (o < b.oversized.length && b.oversized[o]!.line < before) {
            const big = b.oversized[o++]!;
            if (big.line - 1 >= from)
              records.push({
                offset: big.line - 1,
                key: null,
                value: big.head,
                headers: { [OVERSIZED_HEADER]: String(big.bytes) },
                timestamp: now,
              });
          }
        };
        for (let i = 0; i < b.lines.length; i++) {
          const line = b.lineNumbers[i]!;
          take(line);
          if (line - 1 < from) continue;
          records.push({
            offset: line - 1,
            key: null,
            value: Buffer.from(b.lines[i]!, 'utf8'),
            headers: {},
            timestamp: now,
          });
        }
        take(Infinity);
        if (!records.length) continue;
        yield {
          topic: this.topic,
          partition: 0,
          records,
          nextOffset: records[records.length - 1]!.offset + 1,
          highWatermark: null,
          ack: async (commit) => {
            if (commit) await this.commit([commit]);
          },
        };
      }
    } finally {
      input.stream.destroy();
    }
  }

  async commit(positions: readonly CommitPosition[]): Promise<void> {
    for (const p of positions) this.committed[`${p.topic}:${p.partition}`] = p.offset;
    if (this.o.offsetsFile) {
      const tmp = `${this.o.offsetsFile}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.committed));
      renameSync(tmp, this.o.offsetsFile);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
