/**
 * Confirmed incidents grouped into campaigns, so that a train/validation split keeps every entity of one
 * botnet on one side (a split that cuts a campaign lets the model see its answer).
 *
 * Records with a `campaign` id are one campaign per id (their types must agree). Records without one are
 * grouped, per type, by time and shared entities: two records belong together when their time ranges
 * overlap (or lie within `gapMs` of each other) and they share an address, a /24 (/64) subnet, a
 * principal, a session or an API key — or when they report the same window (start and end within
 * `windowToleranceMs`), which is how a SOC ticket lists the addresses of one wave. Grouping errs towards
 * merging: a merged pair of campaigns costs a validation campaign, a cut one costs honesty.
 */
import { parseIp, subnetOf } from '@vigil/events';
import type { CampaignType } from '@vigil/simulator';
import type { ConfirmedIncident } from './incidents';

export interface IncidentCampaign {
  /** The SOC's id, or `g<n>` for a group found by time and shared entities. */
  readonly id: string;
  readonly type: CampaignType;
  /** The records' style when they agree; `unspecified` when none gives one, `mixed` when they differ. */
  readonly style: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly ips: readonly string[];
  readonly principals: readonly string[];
  readonly sessions: readonly string[];
  readonly apiKeys: readonly string[];
  readonly records: number;
  readonly grouped: 'by-id' | 'by-time-and-entities';
}

export interface GroupingOptions {
  readonly gapMs?: number;
  readonly windowToleranceMs?: number;
}

export const DEFAULT_GROUPING_GAP_MS = 10 * 60_000;
export const DEFAULT_WINDOW_TOLERANCE_MS = 60_000;

export function groupIncidents(
  incidents: readonly ConfirmedIncident[],
  options: GroupingOptions = {},
  origin = 'incidents',
): IncidentCampaign[] {
  const gap = options.gapMs ?? DEFAULT_GROUPING_GAP_MS;
  const tol = options.windowToleranceMs ?? DEFAULT_WINDOW_TOLERANCE_MS;
  const out: IncidentCampaign[] = [];
  const byId = new Map<string, ConfirmedIncident[]>();
  const loose: ConfirmedIncident[] = [];
  for (const inc of incidents) {
    if (inc.campaign === null) loose.push(inc);
    else {
      const list = byId.get(inc.campaign);
      if (list) list.push(inc);
      else byId.set(inc.campaign, [inc]);
    }
  }
  for (const [id, recs] of byId) {
    const types = new Set(recs.map((r) => r.type));
    if (types.size > 1)
      throw new Error(
        `${origin}: campaign "${id}" mixes types ${[...types].join(' and ')} (records ${recs.map((r) => r.record).join(', ')})`,
      );
    out.push(campaignOf(id, recs, 'by-id'));
  }
  let n = 0;
  for (const members of linkLoose(loose, gap, tol)) out.push(campaignOf(`g${++n}`, members, 'by-time-and-entities'));
  return out.sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
}

/** Union-find over records linked by a shared key and overlapping (within gap) time ranges. */
function linkLoose(recs: readonly ConfirmedIncident[], gap: number, tol: number): ConfirmedIncident[][] {
  const parent = recs.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const byKey = new Map<string, number[]>();
  const add = (key: string, i: number) => {
    const l = byKey.get(key);
    if (l) l.push(i);
    else byKey.set(key, [i]);
  };
  recs.forEach((r, i) => {
    const t = r.type;
    if (r.ip !== null) {
      add(`${t}|ip|${r.ip}`, i);
      const parsed = parseIp(r.ip);
      if (parsed) add(`${t}|net|${subnetOf(parsed)}`, i);
    }
    if (r.principal !== null) add(`${t}|p|${r.principal}`, i);
    if (r.session !== null) add(`${t}|s|${r.session}`, i);
    if (r.apiKey !== null) add(`${t}|k|${r.apiKey}`, i);
    // The same reported window: one ticket's list of addresses. Rounded to the tolerance, so two records
    // whose windows differ by less than it share a key (or, at a rounding edge, a neighbouring one: the
    // overlap test below still joins them through any other shared key).
    add(`${t}|w|${Math.round(r.startMs / tol)}|${Math.round(r.endMs / tol)}`, i);
  });
  for (const members of byKey.values()) {
    if (members.length < 2) continue;
    // Sweep in start order: a record joins the running group when it starts before the group ends + gap.
    members.sort((a, b) => recs[a]!.startMs - recs[b]!.startMs);
    let head = members[0]!;
    let end = recs[head]!.endMs;
    for (let k = 1; k < members.length; k++) {
      const i = members[k]!;
      const r = recs[i]!;
      if (r.startMs <= end + gap) {
        union(head, i);
        if (r.endMs > end) end = r.endMs;
      } else {
        head = i;
        end = r.endMs;
      }
    }
  }
  const groups = new Map<number, ConfirmedIncident[]>();
  recs.forEach((r, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(r);
    else groups.set(root, [r]);
  });
  return [...groups.values()];
}

function campaignOf(id: string, recs: readonly ConfirmedIncident[], grouped: IncidentCampaign['grouped']) {
  const styles = new Set(recs.map((r) => r.style).filter((s): s is string => s !== null));
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => x !== null))];
  return {
    id,
    type: recs[0]!.type,
    style: styles.size === 0 ? 'unspecified' : styles.size === 1 ? [...styles][0]! : 'mixed',
    startMs: recs.reduce((m, r) => Math.min(m, r.startMs), Infinity),
    endMs: recs.reduce((m, r) => Math.max(m, r.endMs), -Infinity),
    ips: uniq(recs.map((r) => r.ip)),
    principals: uniq(recs.map((r) => r.principal)),
    sessions: uniq(recs.map((r) => r.session)),
    apiKeys: uniq(recs.map((r) => r.apiKey)),
    records: recs.length,
    grouped,
  } satisfies IncidentCampaign;
}
