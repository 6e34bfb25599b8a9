/**
 * The counters kept in event-time buckets. All are integers (bytes, milliseconds, counts), so sums are
 * exact in any order: the memory store, the Redis Lua script and a replay add them up to the same value.
 */
export const COUNTERS = [
  'requests',
  'logins',
  'loginFailures',
  'loginSuccesses',
  'status403',
  'status404',
  'clientErrors',
  'staticRequests',
  'bytesOut',
  'numericIdRequests',
  /** A numeric id within SEQUENTIAL_ID_MAX_STEP of the entity's previous numeric id. */
  'sequentialIdRequests',
  /** Inter-arrival gaps between consecutive requests of the entity (arrival order), capped at GAP_CAP_MS. */
  'gapCount',
  'gapSumMs',
  'gapSumSqMs',
  /** Login calls from an IP that made no non-login request in the hour before. */
  'loginsWithoutPriorRequest',
  /** Login failures for a principal that had never logged in successfully before the batch. */
  'unknownPrincipalLoginFailures',
  'sensitiveActions',
  /** Sensitive actions (payment, account change, password reset) within SENSITIVE_AFTER_LOGIN_MS of a login. */
  'sensitiveAfterLogin',
  'newDevice',
  'newAsn',
  'newCountry',
  'newUserAgent',
  /** Highest travel speed between consecutive successful logins (country centroids), km/h; a max, not a sum. */
  'travelMaxKmh',
  'mfaRequests',
  'passwordResets',
  /** Requests whose logged request line was not a valid one (AccessEvent.malformed): scanners, probes. */
  'malformedRequests',
] as const;
export type CounterName = (typeof COUNTERS)[number];

export const MAX_COUNTERS: ReadonlySet<CounterName> = new Set(['travelMaxKmh']);

/** Gaps longer than this are clipped: a pause is a pause, and squares stay below 2^53 over an hour. */
export const GAP_CAP_MS = 60_000;
export const SEQUENTIAL_ID_MAX_STEP = 2;
export const PRIOR_REQUEST_WINDOW_MS = 3_600_000;
export const SENSITIVE_AFTER_LOGIN_MS = 300_000;
/** Time floor for travel speed, so two logins a second apart do not read as light speed. */
export const TRAVEL_MIN_INTERVAL_MS = 60_000;
