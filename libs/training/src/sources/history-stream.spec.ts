import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createSourceDecoder, parseSourceConfig, type AccessEvent } from '@vigil/events';
import { accessEvent } from '../test-builders';
import { historySpan, HistoryStream, scanHistoryFile } from './history-stream';

const decoder = createSourceDecoder('vigil', parseSourceConfig({}));
const T0 = Date.UTC(2026, 3, 1, 0);
const MIN = 60_000;

describe('HistoryStream', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-history-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (name: string, minutes: readonly number[], gz = false) => {
    const text = `${minutes.map((m) => JSON.stringify(accessEvent({ ts: T0 + m * MIN, requestId: `${name}-${m}` }))).join('\n')}\n`;
    const f = join(root, name);
    writeFileSync(f, gz ? gzipSync(text) : text);
    return f;
  };

  it('scans a file for its span and size without decoding all of it', async () => {
    const f = await scanHistoryFile(write('a.ndjson', [0, 1, 2, 59]), decoder);
    expect(f).toMatchObject({ firstTs: T0, lastTs: T0 + 59 * MIN, records: 4, recordsExact: true, compressed: false });
    const g = await scanHistoryFile(write('b.ndjson.gz', [5, 6], true), decoder);
    expect(g).toMatchObject({ firstTs: T0 + 5 * MIN, lastTs: T0 + 6 * MIN, records: 2, compressed: true });
  });

  it('merges files and an overlay by event time, dropping what is outside the window', async () => {
    const files = await Promise.all([
      scanHistoryFile(write('h1.ndjson', [0, 10, 20, 30]), decoder),
      scanHistoryFile(write('h2.ndjson', [5, 15, 25]), decoder),
      scanHistoryFile(write('late.ndjson', [120, 130]), decoder),
    ]);
    const overlay = {
      name: 'sim',
      startMs: T0 + 12 * MIN,
      events: function* (): Generator<AccessEvent[]> {
        yield [
          accessEvent({ ts: T0 + 12 * MIN, requestId: 'sim-12' }),
          accessEvent({ ts: T0 + 26 * MIN, requestId: 'sim-26' }),
        ];
      },
    };
    const stream = new HistoryStream(files, decoder, [overlay], { toMs: T0 + 60 * MIN });
    const ids: string[] = [];
    for await (const b of stream.batches()) for (const e of b) ids.push(e.requestId!);
    expect(ids).toEqual([
      'h1.ndjson-0',
      'h2.ndjson-5',
      'h1.ndjson-10',
      'sim-12',
      'h2.ndjson-15',
      'h1.ndjson-20',
      'h2.ndjson-25',
      'sim-26',
      'h1.ndjson-30',
    ]);
    // A file wholly outside the window is never opened.
    expect(stream.fileStats.map((s) => [s.events, s.opened])).toEqual([
      [4, true],
      [3, true],
      [0, false],
    ]);
    expect(stream.overlayEvents).toBe(2);
    expect(historySpan(files, { toMs: T0 + 60 * MIN })).toMatchObject({
      startMs: T0,
      endMs: T0 + 30 * MIN,
      records: 7,
    });
  });
});
