/**
 * Actors are generators: each yields its requests in time order (and may spawn further actors), and the
 * engine merges all of them by event time. A benign visit, a monitor, a stuffing campaign are each one
 * sequential script, which is how they read here; only active actors are in memory.
 */
import type { SimRequest } from '../sim-request';
import type { CampaignType, TrapKind } from '../labels';

/** Ground-truth bookkeeping for one campaign or trap: every request the engine writes for it. */
export class Group {
  readonly ips = new Set<string>();
  readonly principals = new Set<string>();
  readonly sessions = new Set<string>();
  readonly devices = new Set<string>();
  readonly apiKeys = new Set<string>();
  readonly compromised = new Set<string>();
  requests = 0;
  startMs = Infinity;
  endMs = -Infinity;

  constructor(
    readonly id: string,
    readonly kind: 'attack' | 'trap',
    readonly type: CampaignType | null,
    readonly style: string,
    readonly trap: TrapKind | null,
    readonly params: Record<string, number | string | boolean>,
    readonly parent: string | null = null,
  ) {}

  record(r: SimRequest): void {
    this.requests++;
    if (r.ts < this.startMs) this.startMs = r.ts;
    if (r.ts > this.endMs) this.endMs = r.ts;
    this.ips.add(r.clientIp);
    if (r.loginUsername !== null) this.principals.add(r.loginUsername.toLowerCase());
    if (r.consumer !== null) this.principals.add(r.consumer.username.toLowerCase());
    if (r.sessionCookie !== null) this.sessions.add(r.sessionCookie);
    if (r.sessionHeader !== null) this.sessions.add(r.sessionHeader);
    if (r.deviceId !== null) this.devices.add(r.deviceId);
    if (r.apiKey !== null) this.apiKeys.add(r.apiKey);
  }
}

/** A request, labeled with the group it belongs to (null: plain benign). */
export interface Emit {
  readonly kind: 'request';
  readonly request: SimRequest;
  readonly group: Group | null;
}

/** Start another actor at `at` (ms). */
export interface Spawn {
  readonly kind: 'spawn';
  readonly at: number;
  readonly actor: ActorScript;
}

export type ActorStep = Emit | Spawn;
export type ActorScript = Generator<ActorStep, void, void>;

export function emit(request: SimRequest, group: Group | null): Emit {
  return { kind: 'request', request, group };
}

export function spawn(at: number, actor: ActorScript): Spawn {
  return { kind: 'spawn', at: Math.round(at), actor };
}

export function stepTime(step: ActorStep): number {
  return step.kind === 'request' ? step.request.ts : step.at;
}
