/**
 * Scraper fleets: a catalog read from rotating proxies spends a few requests per address, so each
 * address is blocked only once it has shown its behaviour, and the fleet moves on. What its addresses
 * share is the software they run — a TLS fingerprint, a user agent. When the scraping detector has blocked
 * several addresses in ten minutes that present one such value, and no authenticated customer (a request
 * with an account or a session, answered) has used that value in the last hour, the value itself is
 * blocked on the route class those addresses read: `{tlsFingerprint, routeClass}` or `{userAgent,
 * routeClass}`, renewed while blocks keep coming, expiring when they stop.
 *
 * The customer test is what keeps this off shared software: the bank's own app, a browser, a partner's SDK
 * are all used by logged-in customers; a scraping tool is not.
 */
import type { AccessEvent } from '@vigil/events';
import type { BatchView, Finding } from '../detectors/finding';
import { ENFORCING_ACTIONS, type Decision, type Signature, type SignatureField } from '../records/records';
import { RecencyMap } from './recency-map';

const WINDOW_MS = 10 * 60_000;
const CUSTOMER_MEMORY_MS = 60 * 60_000;
/** Blocked addresses presenting one value before the value is the fleet's. */
export const FLEET_MIN_ADDRESSES = 5;
/** Values remembered per field; at the cap the oldest are forgotten (a flood of random user agents). */
const MAX_VALUES = 50_000;
const FIELDS: readonly ('tlsFingerprint' | 'userAgent')[] = ['tlsFingerprint', 'userAgent'];

interface FleetValue {
  /** Blocked address → when it was blocked. */
  readonly blocked: Map<string, number>;
  /** Route class → blocked addresses that read it. */
  readonly routeClasses: Map<string, number>;
}

export interface FleetSignaturesState {
  readonly customerUse: [string, number][];
  readonly fleets: [string, [string, number][], [string, number][]][];
}

/** A customer-software memory shared by several engines (lanes: every address partition's). */
export function customerSoftwareMemory(): RecencyMap {
  return new RecencyMap(MAX_VALUES);
}

export class FleetSignatures {
  /** `field\u0000value` → last time an authenticated customer's answered request presented it. */
  private readonly customerUse: RecencyMap;
  /** False when customerUse is shared: the engines' common memory is not one engine's checkpoint. */
  private readonly ownsCustomerUse: boolean;
  private readonly fleets = new Map<string, FleetValue>();

  /**
   * `shared`: the customers seen by other engines too (customerSoftwareMemory()). A partition keyed by
   * client address sees 1/N of the customers: a tool that only a few customers also run would look
   * unused by customers on most partitions, and its value blocked for them.
   */
  constructor(shared?: RecencyMap) {
    this.customerUse = shared ?? customerSoftwareMemory();
    this.ownsCustomerUse = !shared;
  }

  /** The state a checkpoint keeps (Maps in insertion order: iteration order decides ties). */
  snapshot(): FleetSignaturesState {
    return {
      customerUse: this.ownsCustomerUse ? this.customerUse.snapshot() : [],
      fleets: [...this.fleets].map(([k, f]) => [k, [...f.blocked], [...f.routeClasses]]),
    };
  }

  restore(s: FleetSignaturesState): void {
    if (this.ownsCustomerUse) this.customerUse.restore(s.customerUse);
    this.fleets.clear();
    for (const [k, blocked, routeClasses] of s.fleets)
      this.fleets.set(k, { blocked: new Map(blocked), routeClasses: new Map(routeClasses) });
  }

  /** Every event of a batch, before the policy: remembers which values customers use. */
  observe(events: readonly AccessEvent[]): void {
    for (const e of events) {
      if (e.status >= 400 || (e.principal === null && e.sessionId === null)) continue;
      for (const f of FIELDS) {
        const v = e[f];
        if (v === null) continue;
        this.customerUse.touch(`${f}\u0000${v}`, e.ts);
      }
    }
    this.customerUse.trim();
  }

  /** The batch's new scraping blocks on addresses → findings for the values their fleets share. */
  findings(decisions: readonly Decision[], batch: BatchView): Finding[] {
    const at = batch.watermark;
    const blocks = decisions.filter(
      (d) => d.detector === 'scraping' && d.scope === 'ip' && !d.shadow && ENFORCING_ACTIONS.has(d.action),
    );
    if (blocks.length) {
      for (const d of blocks) {
        const e = batch.lastEventOf(d.value as string);
        if (!e) continue;
        for (const f of FIELDS) {
          const v = e[f];
          if (v === null) continue;
          const k = `${f}\u0000${v}`;
          let fleet = this.fleets.get(k);
          if (!fleet) {
            if (this.fleets.size >= MAX_VALUES) continue;
            this.fleets.set(k, (fleet = { blocked: new Map(), routeClasses: new Map() }));
          }
          if (!fleet.blocked.has(e.clientIp))
            fleet.routeClasses.set(e.routeClass, (fleet.routeClasses.get(e.routeClass) ?? 0) + 1);
          fleet.blocked.set(e.clientIp, d.ts);
        }
      }
    }
    const out: Finding[] = [];
    for (const [k, fleet] of this.fleets) {
      for (const [ip, ts] of fleet.blocked) if (at - ts > WINDOW_MS) fleet.blocked.delete(ip);
      if (fleet.blocked.size === 0) {
        this.fleets.delete(k);
        continue;
      }
      if (fleet.blocked.size < FLEET_MIN_ADDRESSES) continue;
      if (this.customerUse.seenWithin(k, at, CUSTOMER_MEMORY_MS)) continue;
      const [field, value] = k.split('\u0000') as [SignatureField, string];
      const routeClass = [...fleet.routeClasses].sort((a, b) => b[1] - a[1])[0]![0];
      const signature: Signature = { routeClass, [field]: value };
      out.push({
        detector: 'scraping',
        entity: { type: 'signature', id: `${field}=${value}` },
        score: Math.min(1, 0.8 + 0.02 * fleet.blocked.size),
        alert: true,
        enforce: true,
        action: 'block',
        target: { scope: 'signature', value: signature },
        reasons: [
          { feature: 'fleet.blockedAddresses10m', value: fleet.blocked.size, baseline: 0 },
          { feature: 'fleet.customerUse1h', value: 0, baseline: 1 },
        ],
        rule: 'fleet-signature',
        modelVersion: 'baseline-1',
        manifestDigest: null,
        thresholds: { alert: FLEET_MIN_ADDRESSES, enforce: FLEET_MIN_ADDRESSES },
        features: { 'fleet.blockedAddresses10m': fleet.blocked.size },
        shadow: false,
      });
    }
    return out;
  }
}
