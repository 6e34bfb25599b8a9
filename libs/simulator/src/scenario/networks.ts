/**
 * The simulated internet: address ranges by kind (residential, mobile carrier behind carrier-grade NAT,
 * corporate NAT, datacenter, CDN edge), each with an ASN, an organisation and a country. Written to the
 * manifest as `networks`, so that a test can stand in for a GeoIP/ASN database.
 *
 * The ranges are synthetic: they are not meant to describe who really holds these addresses. CDN edges
 * use TEST-NET-3 (RFC 5737).
 */
import type { Random } from '../random';

export type NetworkKind = 'residential' | 'mobile_cgnat' | 'corporate_nat' | 'datacenter' | 'cdn' | 'partner';

export interface Network {
  readonly cidr: string;
  readonly kind: NetworkKind;
  readonly asn: number;
  readonly org: string;
  readonly country: string;
}

export const NETWORKS: readonly Network[] = [
  { cidr: '81.2.0.0/16', kind: 'residential', asn: 64601, org: 'Albion Broadband', country: 'GB' },
  { cidr: '86.128.0.0/16', kind: 'residential', asn: 64602, org: 'Thames Fibre', country: 'GB' },
  { cidr: '90.192.0.0/16', kind: 'residential', asn: 64603, org: 'Northern Cable', country: 'GB' },
  { cidr: '92.88.0.0/16', kind: 'residential', asn: 64611, org: 'Hexagone Telecom', country: 'FR' },
  { cidr: '87.160.0.0/16', kind: 'residential', asn: 64612, org: 'Rhein DSL', country: 'DE' },
  { cidr: '83.44.0.0/16', kind: 'residential', asn: 64613, org: 'Iberia Hogar', country: 'ES' },
  { cidr: '31.94.0.0/24', kind: 'mobile_cgnat', asn: 64620, org: 'Unity Mobile (CGNAT)', country: 'GB' },
  { cidr: '31.95.8.0/24', kind: 'mobile_cgnat', asn: 64621, org: 'Kestrel Wireless (CGNAT)', country: 'GB' },
  { cidr: '31.120.0.0/22', kind: 'mobile_cgnat', asn: 64622, org: 'Meridian Mobile (CGNAT pool)', country: 'GB' },
  { cidr: '195.10.20.0/28', kind: 'corporate_nat', asn: 64630, org: 'Carrow Insurance plc', country: 'GB' },
  { cidr: '212.44.8.0/29', kind: 'corporate_nat', asn: 64631, org: 'Westgate University', country: 'GB' },
  { cidr: '194.60.12.0/27', kind: 'corporate_nat', asn: 64632, org: 'Northgate Council', country: 'GB' },
  { cidr: '45.146.164.0/22', kind: 'datacenter', asn: 64700, org: 'Nimbus VPS', country: 'NL' },
  { cidr: '193.32.160.0/22', kind: 'datacenter', asn: 64701, org: 'Steelrack Hosting', country: 'DE' },
  { cidr: '5.188.10.0/24', kind: 'datacenter', asn: 64702, org: 'Frostbyte Cloud', country: 'RU' },
  { cidr: '104.28.64.0/20', kind: 'datacenter', asn: 64703, org: 'Prism Proxy Network', country: 'US' },
  { cidr: '34.240.0.0/14', kind: 'datacenter', asn: 64704, org: 'Cumulus Cloud', country: 'IE' },
  { cidr: '177.32.0.0/12', kind: 'residential', asn: 64710, org: 'Vale Net', country: 'BR' },
  { cidr: '14.160.0.0/12', kind: 'residential', asn: 64711, org: 'Song Hong Broadband', country: 'VN' },
  { cidr: '49.32.0.0/12', kind: 'residential', asn: 64712, org: 'Deccan Fiber', country: 'IN' },
  { cidr: '73.0.0.0/10', kind: 'residential', asn: 64713, org: 'Prairie Cable', country: 'US' },
  { cidr: '52.30.40.0/28', kind: 'partner', asn: 64800, org: 'FinLink Aggregation Ltd (licensed AISP)', country: 'IE' },
  { cidr: '198.51.100.0/26', kind: 'datacenter', asn: 64810, org: 'Uptime monitors', country: 'US' },
  { cidr: '66.249.64.0/24', kind: 'datacenter', asn: 64820, org: 'Search crawler', country: 'US' },
  { cidr: '203.0.113.0/24', kind: 'cdn', asn: 64900, org: 'Edge CDN', country: 'GB' },
];

/**
 * Networks only the second bank profile's customers and benign clients use (`--profile northbank`): its
 * customers' carriers (one pooled, one with a handful of egress addresses for thousands of phones), a
 * university and a council behind NAT, another uptime monitoring service and a rate-comparison site's
 * crawler. Kept out of NETWORKS so that the default bank's runs (and what attackers draw from) do not
 * change.
 */
export const PROFILE_NETWORKS: readonly Network[] = [
  { cidr: '62.140.128.0/21', kind: 'mobile_cgnat', asn: 64623, org: 'Lowland Mobile (CGNAT pool)', country: 'GB' },
  { cidr: '89.200.4.0/29', kind: 'mobile_cgnat', asn: 64624, org: 'Estuary Telecom (CGNAT)', country: 'GB' },
  { cidr: '146.90.12.0/30', kind: 'corporate_nat', asn: 64633, org: 'Fenwick University', country: 'GB' },
  { cidr: '193.130.44.0/29', kind: 'corporate_nat', asn: 64634, org: 'Harbour City Council', country: 'GB' },
  { cidr: '185.93.3.0/26', kind: 'datacenter', asn: 64811, org: 'StatusPing monitors', country: 'DE' },
  { cidr: '172.104.32.0/24', kind: 'datacenter', asn: 64821, org: 'RateRadar comparison crawler', country: 'GB' },
];

/** The CDN edge range in front of the bank: trusted for X-Forwarded-For. */
export const CDN_CIDR = '203.0.113.0/24';

function base(cidr: string): { start: number; size: number } {
  const [addr, bits] = cidr.split('/') as [string, string];
  const o = addr.split('.').map(Number) as [number, number, number, number];
  const start = ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
  return { start, size: 2 ** (32 - Number(bits)) };
}

function format(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** A host address in `network`, avoiding .0 and .255. */
export function addressIn(network: Network, rng: Random): string {
  const { start, size } = base(network.cidr);
  for (;;) {
    const v = start + (size <= 2 ? 0 : rng.int(1, size - 2));
    const last = v & 255;
    if (last !== 0 && last !== 255) return format(v);
  }
}

/** The `index`-th host address of `network` (stable pools: NAT egress addresses, monitor IPs). */
export function addressAt(network: Network, index: number): string {
  const { start, size } = base(network.cidr);
  return format(start + 1 + (index % Math.max(1, size - 2)));
}

export function networksOf(kind: NetworkKind, country?: string): Network[] {
  return NETWORKS.filter((n) => n.kind === kind && (country === undefined || n.country === country));
}

/** Datacenter ranges anyone can rent (attackers and honest API clients alike). */
export function rentableDatacenters(): Network[] {
  return NETWORKS.filter((n) => n.kind === 'datacenter' && n.asn < 64800);
}

export function network(org: string): Network {
  const n = NETWORKS.find((x) => x.org === org) ?? PROFILE_NETWORKS.find((x) => x.org === org);
  if (!n) throw new Error(`no simulated network ${org}`);
  return n;
}
