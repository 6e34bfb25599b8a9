import { formatGoDuration, parseGoDuration } from './go-duration';

describe('formatGoDuration', () => {
  it('writes what Go writes for whole seconds', () => {
    // Go: (3*time.Hour + 59*time.Minute + 58*time.Second).String() == "3h59m58s", and so on.
    expect(formatGoDuration(14_398_000)).toBe('3h59m58s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(240_000)).toBe('4m0s');
    expect(formatGoDuration(59_000)).toBe('59s');
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(-62_000)).toBe('-1m2s');
  });

  it('rounds to the second, half away from zero, as Duration.Round does', () => {
    expect(formatGoDuration(1_499)).toBe('1s');
    expect(formatGoDuration(1_500)).toBe('2s');
    expect(formatGoDuration(-1_500)).toBe('-2s');
    expect(formatGoDuration(400)).toBe('0s');
  });

  it('parses back what it writes', () => {
    for (const ms of [0, 1000, 59_000, 61_000, 3_600_000, 86_399_000, -62_000]) {
      expect(parseGoDuration(formatGoDuration(ms))).toBe(ms);
    }
    expect(parseGoDuration('1d')).toBeNaN();
    expect(parseGoDuration('')).toBeNaN();
  });
});
