/**
 * Label files in the incident format: what a bank's SOC has confirmed, and what its allowlists and
 * reviews know to be benign. JSON (an array) or NDJSON, one record a line, of two kinds.
 *
 * An attack record names one entity of one confirmed incident, with the campaign it belongs to when the
 * SOC knows it (records with one `campaign` id are one campaign, and a split never cuts a campaign):
 *
 *   {"campaign": "cs-0302-a", "type": "credential_stuffing", "style": "residential_botnet",
 *    "ip": "203.0.113.7", "start": "2026-03-02T08:10:00Z", "end": "2026-03-02T08:40:00Z"}
 *   {"campaign": "ato-17", "type": "account_takeover", "principal": "alice@example.com",
 *    "start": 1772439000000, "end": 1772440800000}
 *
 * A benign record names a look-alike: an entity (or an address range) that fools naive rules and must
 * never be blocked — a partner, a NAT, a crawler, a monitor, a traveller. Without start/end it holds for
 * the whole history:
 *
 *   {"benign": "carrier_nat", "cidr": "31.94.0.0/24"}
 *   {"benign": "aggregator", "apiKey": "agg_live_…", "note": "FinLink, contract 2024-118"}
 *   {"benign": "traveller", "principal": "bob@example.com", "start": "2026-03-02T00:00:00Z", "end": "2026-03-09T00:00:00Z"}
 *
 * Entities: `ip`, `principal` (the login name, hashed here with the source's key like the normalizer
 * does) or `principalHash`, `session`/`sessionHash`, `apiKey`/`apiKeyHash`; benign records may give a
 * `cidr` instead. Times are ISO 8601 or epoch milliseconds.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { IdHasher, parseCidr } from '@vigil/events';
import { CAMPAIGN_TYPES, TRAP_KINDS, type CampaignType, type TrapKind } from '@vigil/simulator';

/** Benign classes: the simulator's trap kinds, which are what a bank's allowlists hold. */
export const BENIGN_CLASSES = TRAP_KINDS;
export type BenignClass = TrapKind;

/** Other names a SOC uses for the same classes. */
export const BENIGN_ALIASES: Readonly<Record<string, BenignClass>> = {
  partner: 'aggregator',
  crawler: 'search_crawler',
  monitor: 'uptime_monitor',
  business_api: 'api_client',
};

/** One entity of one confirmed incident. */
export interface ConfirmedIncident {
  readonly ip: string | null;
  /** Hashed principal as in AccessEvent.principal. */
  readonly principal: string | null;
  /** Hashed session id as in AccessEvent.sessionId. */
  readonly session: string | null;
  /** Hashed API key as in AccessEvent.apiKeyId. */
  readonly apiKey: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly type: CampaignType;
  /** The SOC's campaign id; null when the record does not say (then grouped by time and shared entities). */
  readonly campaign: string | null;
  readonly style: string | null;
  /** 1-based record number in its file, for messages. */
  readonly record: number;
}

/** One benign look-alike: an entity or an address range, over a time range (the whole history when open). */
export interface BenignLabel {
  readonly cls: BenignClass;
  readonly ip: string | null;
  readonly cidr: string | null;
  readonly principal: string | null;
  readonly apiKey: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly note: string | null;
}

export interface IncidentFile {
  readonly incidents: readonly ConfirmedIncident[];
  readonly benign: readonly BenignLabel[];
}

const time = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a time: ${String(v)}` });
    return z.NEVER;
  }
  return ms;
});

const entities = {
  ip: z.string().min(1).optional(),
  principal: z.string().min(1).optional(),
  principalHash: z.string().min(1).optional(),
  session: z.string().min(1).optional(),
  sessionHash: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  apiKeyHash: z.string().min(1).optional(),
};

const attackSchema = z
  .object({
    ...entities,
    campaign: z.union([z.string().min(1), z.number()]).optional(),
    type: z.enum(CAMPAIGN_TYPES),
    style: z.string().min(1).optional(),
    start: time,
    end: time,
  })
  .refine(
    (i) => i.ip || i.principal || i.principalHash || i.session || i.sessionHash || i.apiKey || i.apiKeyHash,
    'needs ip, principal, session or apiKey (or their …Hash)',
  )
  .refine((i) => i.end >= i.start, 'end is before start');

const benignClass = z.string().transform((v, ctx) => {
  const k = v.trim().toLowerCase();
  if ((BENIGN_CLASSES as readonly string[]).includes(k)) return k as BenignClass;
  const alias = BENIGN_ALIASES[k];
  if (alias) return alias;
  ctx.addIssue({
    code: 'custom',
    message: `benign class "${v}" is not one of ${BENIGN_CLASSES.join(', ')} (or ${Object.keys(BENIGN_ALIASES).join(', ')})`,
  });
  return z.NEVER;
});

const benignSchema = z
  .object({
    ...entities,
    benign: benignClass,
    cidr: z.string().min(1).optional(),
    start: time.optional(),
    end: time.optional(),
    note: z.string().optional(),
  })
  .refine(
    (b) => b.ip || b.cidr || b.principal || b.principalHash || b.apiKey || b.apiKeyHash,
    'needs ip, cidr, principal or apiKey (or their …Hash)',
  )
  .refine((b) => b.start === undefined || b.end === undefined || b.end >= b.start, 'end is before start');

/** Parses an incident-format file (JSON array or NDJSON). Throws naming the record and the problem. */
export function parseIncidentFile(text: string, hasher: IdHasher, origin = 'incidents'): IncidentFile {
  const incidents: ConfirmedIncident[] = [];
  const benign: BenignLabel[] = [];
  const hashed = (kind: 'p' | 's' | 'k', raw: string | undefined, hash: string | undefined): string | null =>
    hash ?? (raw === undefined ? null : hasher.hash(kind, kind === 'p' ? raw.trim().toLowerCase() : raw));
  readRecords(text, origin).forEach((rec, i) => {
    const where = `${origin} record ${i + 1}`;
    const isBenign = typeof rec === 'object' && rec !== null && 'benign' in rec;
    if (isBenign) {
      const r = benignSchema.safeParse(rec);
      if (!r.success) throw new Error(`${where}: ${r.error.issues.map((x) => x.message).join('; ')}`);
      const v = r.data;
      if (v.cidr !== undefined) {
        try {
          parseCidr(v.cidr);
        } catch (err) {
          throw new Error(`${where}: ${(err as Error).message}`);
        }
      }
      benign.push({
        cls: v.benign,
        ip: v.ip ?? null,
        cidr: v.cidr ?? null,
        principal: hashed('p', v.principal, v.principalHash),
        apiKey: hashed('k', v.apiKey, v.apiKeyHash),
        startMs: v.start ?? -Infinity,
        endMs: v.end ?? Infinity,
        note: v.note ?? null,
      });
      return;
    }
    const r = attackSchema.safeParse(rec);
    if (!r.success) throw new Error(`${where}: ${r.error.issues.map((x) => x.message).join('; ')}`);
    const v = r.data;
    incidents.push({
      ip: v.ip ?? null,
      principal: hashed('p', v.principal, v.principalHash),
      session: hashed('s', v.session, v.sessionHash),
      apiKey: hashed('k', v.apiKey, v.apiKeyHash),
      startMs: v.start,
      endMs: v.end,
      type: v.type,
      campaign: v.campaign === undefined ? null : String(v.campaign),
      style: v.style ?? null,
      record: i + 1,
    });
  });
  return { incidents, benign };
}

/** The attack records only (the format before benign records existed). */
export function parseIncidents(text: string, hasher: IdHasher, origin = 'incidents'): ConfirmedIncident[] {
  return [...parseIncidentFile(text, hasher, origin).incidents];
}

export function readIncidents(path: string, hasher: IdHasher): ConfirmedIncident[] {
  return parseIncidents(readFileSync(path, 'utf8'), hasher, path);
}

function readRecords(text: string, origin: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`${origin} is not a JSON array: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new Error(`${origin} is not a JSON array`);
    return parsed as unknown[];
  }
  const out: unknown[] = [];
  trimmed.split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    try {
      out.push(JSON.parse(l) as unknown);
    } catch {
      throw new Error(`${origin} line ${i + 1} is not JSON`);
    }
  });
  return out;
}
