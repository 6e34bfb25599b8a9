/**
 * When to try again: exponential backoff with "equal jitter" (half the delay fixed, half random), so
 * that many notifiers retrying one recovering SIEM spread out, yet none hammers it with a near-zero wait.
 * A peer's Retry-After is honoured when longer, up to `maxBackoffMs`.
 */
export interface RetryPolicy {
  /** Sends of a record before it is dead-lettered as retries_exhausted (1 = never retried). */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, initialBackoffMs: 500, maxBackoffMs: 30_000 };

/** The wait after the `attempt`-th failed send (1-based). */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined = undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.min(policy.maxBackoffMs, Math.max(jittered, retryAfterMs ?? 0)));
}

/** Resolves after `ms`, or at once when `signal` aborts (shutdown must not wait out a backoff). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
