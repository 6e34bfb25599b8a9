/**
 * Go's `time.Duration.String()` for whole seconds, as CrowdSec's Local API writes a decision's remaining
 * time (`until.Sub(now).Round(time.Second).String()`): `3h59m58s`, `4m0s`, `59s`, `0s`, `-1m2s`. Bouncers
 * parse it back with `time.ParseDuration`, so only h, m and s units ever appear.
 * https://pkg.go.dev/time#Duration.String
 */
export function formatGoDuration(ms: number): string {
  // Round half away from zero, as time.Duration.Round does.
  const seconds = ms < 0 ? -Math.round(-ms / 1000) : Math.round(ms / 1000);
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  let left = Math.abs(seconds);
  const h = Math.floor(left / 3600);
  left -= h * 3600;
  const m = Math.floor(left / 60);
  const s = left - m * 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** Parses what formatGoDuration writes (and any Go h/m/s duration) back into milliseconds; NaN if invalid. */
export function parseGoDuration(text: string): number {
  const m = /^(-)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!m || text === '' || text === '-' || (!m[2] && !m[3] && !m[4])) return Number.NaN;
  const ms = (Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] ? -ms : ms;
}
