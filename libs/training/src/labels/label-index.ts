/**
 * Ground truth joined to entities: which campaigns (and traps) an IP or a hashed principal belongs to,
 * with time spans. Built from simulator labels files (campaigns and traps) and from confirmed-incident
 * files (an IP or principal, a time range and a type), which may be combined.
 */
import type { CampaignType, LabelsFile, TrapKind } from '@vigil/simulator';

export interface CampaignSpan {
  /** Unique across sources: `<source>:<campaign id>`. */
  readonly key: string;
  readonly type: CampaignType;
  readonly style: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface TrapMembership {
  readonly key: string;
  readonly trap: TrapKind;
}

type EntityKind = 'ips' | 'principals';

export class LabelIndex {
  private readonly campaigns = new Map<string, CampaignSpan[]>();
  private readonly traps = new Map<string, TrapMembership[]>();
  readonly spans: CampaignSpan[] = [];
  readonly trapKeys = new Map<string, TrapKind>();
  /** Entities labeled per campaign key and kind, for entity-level recall. */
  readonly entitiesOf = new Map<string, { ips: Set<string>; principals: Set<string> }>();

  /** Adds a simulator labels file; `source` prefixes campaign ids (c001 repeats across runs). */
  addLabelsFile(labels: LabelsFile, source: string): void {
    for (const c of labels.campaigns) {
      const span: CampaignSpan = {
        key: `${source}:${c.id}`,
        type: c.type,
        style: c.style,
        startMs: c.startMs,
        endMs: c.endMs,
      };
      if (c.requests === 0) continue;
      this.spans.push(span);
      this.addEntities(span, c.entities.ips, c.hashed.principals);
    }
    for (const t of labels.traps) {
      const m: TrapMembership = { key: `${source}:${t.id}`, trap: t.trap };
      this.trapKeys.set(m.key, t.trap);
      for (const ip of t.entities.ips) push(this.traps, `ips|${ip}`, m);
      for (const p of t.hashed.principals) push(this.traps, `principals|${p}`, m);
    }
  }

  addIncident(incident: ConfirmedIncident, key: string): void {
    const span: CampaignSpan = {
      key,
      type: incident.type,
      style: 'confirmed_incident',
      startMs: incident.startMs,
      endMs: incident.endMs,
    };
    this.spans.push(span);
    this.addEntities(span, incident.ip ? [incident.ip] : [], incident.principal ? [incident.principal] : []);
  }

  private addEntities(span: CampaignSpan, ips: readonly string[], principals: readonly string[]): void {
    const sets = { ips: new Set(ips), principals: new Set(principals) };
    this.entitiesOf.set(span.key, sets);
    for (const ip of sets.ips) push(this.campaigns, `ips|${ip}`, span);
    for (const p of sets.principals) push(this.campaigns, `principals|${p}`, span);
  }

  campaignsOf(kind: EntityKind, id: string): readonly CampaignSpan[] {
    return this.campaigns.get(`${kind}|${id}`) ?? NONE;
  }

  trapsOf(kind: EntityKind, id: string): readonly TrapMembership[] {
    return this.traps.get(`${kind}|${id}`) ?? NO_TRAPS;
  }
}

const NONE: readonly CampaignSpan[] = [];
const NO_TRAPS: readonly TrapMembership[] = [];

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/** One confirmed incident: an IP or a (hashed) principal, a time range, a type. */
export interface ConfirmedIncident {
  readonly ip: string | null;
  /** Hashed principal as in AccessEvent.principal. */
  readonly principal: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly type: CampaignType;
}
