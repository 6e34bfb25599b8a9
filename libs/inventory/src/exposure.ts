/**
 * Who can reach an endpoint: public (the internet), partner (configured partner and aggregator ranges)
 * or private (internal ranges). Classified per client address; cached because a batch repeats addresses.
 */
import { CidrSet, parseIp } from '@vigil/events';

export const EXPOSURES = ['public', 'partner', 'private'] as const;
export type Exposure = (typeof EXPOSURES)[number];

const CACHE_CAP = 65_536;

export class ExposureClassifier {
  private readonly partner: CidrSet;
  private readonly internal: CidrSet;
  private readonly cache = new Map<string, number>();

  constructor(options: { readonly privateCidrs: readonly string[]; readonly partnerCidrs: readonly string[] }) {
    this.partner = new CidrSet(options.partnerCidrs);
    this.internal = new CidrSet(options.privateCidrs);
  }

  /** Index into EXPOSURES. */
  classify(ip: string): number {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    const parsed = parseIp(ip);
    let cls = 0;
    if (parsed) {
      if (this.partner.size > 0 && this.partner.contains(parsed)) cls = 1;
      else if (this.internal.contains(parsed)) cls = 2;
    }
    if (this.cache.size >= CACHE_CAP) this.cache.clear();
    this.cache.set(ip, cls);
    return cls;
  }
}
