import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { discoverLabelFiles, expandInputs, globSegment, isLogFileName } from './input-paths';

describe('history input paths', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-inputs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const touch = (...p: string[]) => {
    const f = join(root, ...p);
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, '');
    return f;
  };
  const day1 = touch('2026-03-01', 'kong-08.log');
  const day1b = touch('2026-03-01', 'kong-09.log.gz');
  const day2 = touch('2026-03-02', 'kong-08.log');
  touch('2026-03-01', 'labels.json');
  touch('2026-03-01', 'request-labels.ndjson');
  touch('2026-03-01', 'manifest.json');
  touch('2026-03-02', 'kong-08.log.labels.ndjson');
  touch('soc', 'incidents.ndjson');

  it('tells log files from label and sidecar files by name', () => {
    expect(['traffic.kong.log', 'a.ndjson.gz', 'x.jsonl', 'kong-2026.json'].every(isLogFileName)).toBe(true);
    expect(
      ['labels.json', 'request-labels.ndjson', 'incidents.ndjson', 'a.labels.json', 'manifest.json', 'notes.txt'].some(
        isLogFileName,
      ),
    ).toBe(false);
  });

  it('expands folders recursively and globs, once each, sorted', () => {
    expect(expandInputs([root])).toEqual([day1, day1b, day2]);
    expect(expandInputs([join(root, '2026-03-0{1,2}', 'kong-08.*'), day2])).toEqual([day1, day2]);
    expect(expandInputs([join(root, '**', '*.gz')])).toEqual([day1b]);
    expect(() => expandInputs([join(root, 'nope')])).toThrow(/does not exist/);
    expect(() => expandInputs([join(root, '*.csv')])).toThrow(/matches no log file/);
  });

  it('finds the label files that come with the logs', () => {
    expect(discoverLabelFiles([day1, day1b, day2]).sort()).toEqual(
      [resolve(root, '2026-03-01', 'labels.json'), resolve(root, '2026-03-02', 'kong-08.log.labels.ndjson')].sort(),
    );
  });

  it('compiles a glob segment', () => {
    expect(globSegment('kong-0?.log*').test('kong-08.log.gz')).toBe(true);
    expect(globSegment('{a,b}.log').test('c.log')).toBe(false);
    expect(globSegment('a.b').test('aXb')).toBe(false);
  });
});
