import { buildManifest, entryOf, reportKeyId, verifyManifest } from './manifest';

const KEY = 'a-report-key-of-enough-bytes';
const files = [entryOf('report.json', Buffer.from('{}')), entryOf('evidence/a.json', Buffer.from('[1]'))];

describe('the report manifest', () => {
  it('verifies the files it lists, under its key', () => {
    const m = buildManifest(files, KEY);
    expect(m.keyId).toBe(reportKeyId(KEY));
    expect(m.files.map((f) => f.path)).toEqual(['evidence/a.json', 'report.json']);
    expect(verifyManifest(m, files, KEY)).toMatchObject({ ok: true, macValid: true });
    expect(verifyManifest(m, files, null)).toMatchObject({ ok: true, macValid: null });
  });

  it('names changed, added and removed files', () => {
    const m = buildManifest(files, KEY);
    const now = [entryOf('report.json', Buffer.from('{"x":1}')), entryOf('extra.txt', Buffer.from('x'))];
    expect(verifyManifest(m, now, KEY)).toMatchObject({
      ok: false,
      changed: ['report.json'],
      added: ['extra.txt'],
      removed: ['evidence/a.json'],
    });
  });

  it('refuses a manifest rewritten to match, and another key', () => {
    const m = buildManifest(files, KEY);
    const edited = [entryOf('report.json', Buffer.from('{"x":1}')), files[1]!];
    const forged = { ...m, files: edited };
    expect(verifyManifest(forged, edited, KEY)).toMatchObject({ ok: false, changed: [], macValid: false });
    expect(verifyManifest(m, files, 'another-key-of-enough-bytes')).toMatchObject({ ok: false, keyMismatch: true });
    expect(() => buildManifest(files, 'short')).toThrow(/at least 16/);
  });
});
