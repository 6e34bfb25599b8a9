/**
 * A simulator labels file written in the incident format (incidents.ts), the way a bank's SOC and its
 * allowlists would hand their knowledge to `vigil train`: one attack record per campaign address (and,
 * for takeovers and hijackings, per victim account and session), with the campaign id and style; benign
 * look-alikes as an allowlist knows them — carriers' and companies' NAT ranges, partners' and business
 * customers' API keys, crawler and monitor addresses, travellers' accounts.
 */
import type { LabelsFile, Network, TrapKind } from '@vigil/simulator';

export type IncidentRecord = Readonly<Record<string, string | number>>;

export interface ExportOptions {
  /** The simulated networks (Simulation.networks(profile).networks): NAT traps are written as their ranges. */
  readonly networks?: readonly Network[];
  /** Write the campaign ids (default true); without them `vigil train` groups by time and entities. */
  readonly campaignIds?: boolean;
}

const NAT_KIND: Partial<Record<TrapKind, Network['kind']>> = {
  carrier_nat: 'mobile_cgnat',
  corporate_nat: 'corporate_nat',
};

export function incidentRecordsFromLabels(labels: LabelsFile, o: ExportOptions = {}): IncidentRecord[] {
  const out: IncidentRecord[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const c of labels.campaigns) {
    if (c.requests === 0) continue;
    const base = {
      ...(o.campaignIds === false ? {} : { campaign: c.id }),
      type: c.type,
      style: c.style,
      start: iso(c.startMs),
      end: iso(c.endMs),
    };
    for (const ip of c.entities.ips) out.push({ ...base, ip });
    if (c.type === 'account_takeover' || c.type === 'session_hijacking')
      for (const p of c.entities.principals) out.push({ ...base, principal: p });
    if (c.type === 'session_hijacking') for (const s of c.entities.sessions) out.push({ ...base, session: s });
  }
  const ranges = new Set<string>();
  for (const t of labels.traps) {
    const natKind = NAT_KIND[t.trap];
    if (natKind && o.networks) {
      for (const n of o.networks) {
        if (n.kind !== natKind || !t.entities.ips.some((ip) => inRange(ip, n.cidr)) || ranges.has(n.cidr)) continue;
        ranges.add(n.cidr);
        out.push({ benign: t.trap, cidr: n.cidr, note: n.org });
      }
      continue;
    }
    if (t.trap === 'aggregator' || t.trap === 'api_client') {
      for (const k of t.entities.apiKeys) out.push({ benign: t.trap, apiKey: k });
      continue;
    }
    if (t.trap === 'traveller') {
      for (const p of t.entities.principals) out.push({ benign: t.trap, principal: p });
      continue;
    }
    for (const ip of t.entities.ips) out.push({ benign: t.trap, ip });
  }
  return out;
}

function inRange(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const v = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(v(ip) / size) === Math.floor(v(base) / size);
}
