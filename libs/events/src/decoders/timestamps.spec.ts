import { parseAnyTime, parseClfTime, parseEpoch, parseIsoTime, readTime } from './timestamps';

describe('timestamps', () => {
  it('reads NGINX/API Gateway CLF time with its zone', () => {
    expect(parseClfTime('10/Oct/2000:13:55:36 -0700')).toBe(Date.UTC(2000, 9, 10, 20, 55, 36));
    expect(parseClfTime('01/Dec/2026:19:46:02 +0000')).toBe(Date.UTC(2026, 11, 1, 19, 46, 2));
  });

  it('reads ISO 8601 with a zone and fractions, and refuses a time without a zone', () => {
    expect(parseIsoTime('2026-12-01T19:46:02.123Z')).toBe(Date.UTC(2026, 11, 1, 19, 46, 2, 123));
    expect(parseIsoTime('2026-12-01T19:46:02+01:00')).toBe(Date.UTC(2026, 11, 1, 18, 46, 2));
    expect(parseIsoTime('2026-12-01T19:46:02')).toBeNaN();
  });

  it('tells epoch seconds, milliseconds and microseconds apart', () => {
    expect(parseEpoch(1764590400.5)).toBe(1764590400500);
    expect(parseEpoch(1764590400500)).toBe(1764590400500);
    expect(parseEpoch(1764590400500123)).toBe(1764590400500);
    expect(parseAnyTime('1764590400.500')).toBe(1764590400500);
  });

  it.each([['32/Jan/2026:00:00:00 +0000'], ['10/Foo/2026:00:00:00 +0000'], ['1e400'], [''], [-1]])(
    'fails %j with invalid_timestamp or missing_field',
    (v) => {
      const r = readTime(v, 't');
      expect(r.ok).toBe(false);
    },
  );

  it('refuses plausible-looking times outside 2000..2100', () => {
    const r = readTime('1999-12-31T23:59:59Z', 't');
    expect(r.ok ? 'ok' : r.reason).toBe('invalid_timestamp');
  });
});
