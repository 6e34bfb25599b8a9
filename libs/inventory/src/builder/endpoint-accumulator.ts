/**
 * One endpoint's figures for one batch, in typed fields (no per-event string keys), turned into
 * counter fields once per batch by `toCounters`.
 */
import { AUTH_TYPES, type AccessEvent } from '@vigil/events';
import { admissionStatus, OTHER_HOSTS, OVERFLOW_METHOD, routeExists } from '../endpoint-key';
import { EXPOSURES } from '../exposure';
import { forEachQueryKey, QUERY_VALUE_KINDS, type QueryValueKind } from '../query-keys';
import { bucketOf, ZERO_BUCKET } from '../sketch/quantile-sketch';

const AUTH_INDEX: Readonly<Record<string, number>> = Object.fromEntries(AUTH_TYPES.map((a, i) => [a, i]));
const KIND_INDEX: Readonly<Record<QueryValueKind, number>> = { int: 0, num: 1, bool: 2, str: 3 };

export class EndpointAccumulator {
  requests = 0;
  served = 0;
  servedAuthenticated = 0;
  firstSeen = Number.POSITIVE_INFINITY;
  lastSeen = Number.NEGATIVE_INFINITY;
  untrackedQuery = 0;
  readonly status = new Map<number, number>();
  readonly auth = new Uint32Array(AUTH_TYPES.length);
  readonly exposure = new Uint32Array(EXPOSURES.length);
  readonly routeClass = new Map<string, number>();
  readonly latency = new Map<number, number>();
  readonly bytesOut = new Map<number, number>();
  readonly clients = new Set<string>();
  sensitive: Map<string, number> | null = null;
  query: Map<string, Uint32Array> | null = null;
  /** Overflow bucket only. */
  readonly overflowReasons = { cap: 0, notFound: 0 };
  readonly isOverflow: boolean;
  /** The id the parallel coordinator gave this accumulator's endpoint; -1 until then. */
  targetId = -1;

  constructor(
    readonly host: string,
    readonly method: string,
    readonly template: string,
    /** The endpoint's tracked query keys (shared across batches, capped); null: do not track. */
    private readonly trackedQueryKeys: Set<string> | null,
  ) {
    this.isOverflow = method === OVERFLOW_METHOD;
  }

  add(e: AccessEvent, exposure: number, maxQueryKeys: number): void {
    const trackedQueryKeys = this.trackedQueryKeys;
    this.requests++;
    const ts = e.ts;
    if (ts < this.firstSeen) this.firstSeen = ts;
    if (ts > this.lastSeen) this.lastSeen = ts;
    const status = e.status;
    this.status.set(status, (this.status.get(status) ?? 0) + 1);
    if (this.isOverflow) {
      // Why a request overflowed follows from where it is and its status (InventoryBuilder.route).
      if (this.host === OTHER_HOSTS || routeExists(admissionStatus(e))) this.overflowReasons.cap++;
      else this.overflowReasons.notFound++;
    }
    const authIndex = AUTH_INDEX[e.authType] ?? 0;
    this.auth[authIndex]!++;
    if (status >= 200 && status < 400) {
      this.served++;
      if (authIndex !== 0) this.servedAuthenticated++;
    }
    this.exposure[exposure]!++;
    const rc = e.routeClass;
    this.routeClass.set(rc, (this.routeClass.get(rc) ?? 0) + 1);
    inc(this.latency, bucketOf(e.latencyMs));
    inc(this.bytesOut, bucketOf(e.bytesOut));
    this.clients.add(e.clientIp);
    if (e.sensitive.length) {
      const s = (this.sensitive ??= new Map());
      for (const k of e.sensitive) s.set(k, (s.get(k) ?? 0) + 1);
    }
    if (e.query !== null && trackedQueryKeys) {
      const q = (this.query ??= new Map());
      let untracked = false;
      forEachQueryKey(e.query, (key, kind) => {
        if (!trackedQueryKeys.has(key)) {
          if (trackedQueryKeys.size >= maxQueryKeys) {
            untracked = true;
            return;
          }
          trackedQueryKeys.add(key);
        }
        let counts = q.get(key);
        if (!counts) q.set(key, (counts = new Uint32Array(QUERY_VALUE_KINDS.length)));
        counts[KIND_INDEX[kind]]!++;
      });
      if (untracked) this.untrackedQuery++;
    }
  }

  toCounters(): Map<string, number> {
    const c = new Map<string, number>();
    c.set('n', this.requests);
    if (this.served) c.set('sv', this.served);
    if (this.servedAuthenticated) c.set('sa', this.servedAuthenticated);
    for (const [code, n] of this.status) c.set(`s:${code}`, n);
    this.auth.forEach((n, i) => n && c.set(`a:${AUTH_TYPES[i]}`, n));
    this.exposure.forEach((n, i) => n && c.set(`x:${EXPOSURES[i]}`, n));
    for (const [rc, n] of this.routeClass) c.set(`rc:${rc}`, n);
    for (const [b, n] of this.latency) c.set(`l:${bucketField(b)}`, n);
    for (const [b, n] of this.bytesOut) c.set(`b:${bucketField(b)}`, n);
    if (this.sensitive) for (const [k, n] of this.sensitive) c.set(`k:${k}`, n);
    if (this.query) {
      for (const [key, counts] of this.query) {
        counts.forEach((n, i) => n && c.set(`q:${key}:${QUERY_VALUE_KINDS[i]}`, n));
      }
    }
    if (this.untrackedQuery) c.set('qx', this.untrackedQuery);
    if (this.overflowReasons.cap) c.set('o:cap', this.overflowReasons.cap);
    if (this.overflowReasons.notFound) c.set('o:notFound', this.overflowReasons.notFound);
    return c;
  }
}

function inc(map: Map<number, number>, key: number): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function bucketField(bucket: number): string {
  return bucket === ZERO_BUCKET ? 'z' : String(bucket);
}

export function parseBucketField(field: string): number {
  return field === 'z' ? ZERO_BUCKET : Number(field);
}
