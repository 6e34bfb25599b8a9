import { formatWithInterval, wilson } from './wilson';

describe('wilson', () => {
  it('gives the textbook interval and stays inside [0, 1]', () => {
    const i = wilson(8, 10);
    expect(i.low).toBeCloseTo(0.4902, 3);
    expect(i.high).toBeCloseTo(0.9433, 3);
    expect(wilson(2, 2).low).toBeCloseTo(0.3424, 3);
    expect(wilson(2, 2).high).toBe(1);
    expect(wilson(0, 5).low).toBe(0);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('formats a share with its interval', () => {
    expect(formatWithInterval(8, 10)).toBe('0.80 [0.49–0.94]');
    expect(formatWithInterval(0, 0)).toBe('-');
  });
});
