/**
 * The entities Vigil keeps behaviour for. Each has a key read from the canonical AccessEvent; an event
 * touches every entity whose key it carries (the global login flow only on login calls).
 */
import type { AccessEvent } from '@vigil/events';

export const ENTITY_TYPES = [
  'ip',
  'subnet',
  'asn',
  'country',
  'principal',
  'apiKey',
  'session',
  'device',
  'route',
  'loginFlow',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** A route entity's id: `METHOD template`. */
export function routeEntityId(method: string, routeTemplate: string): string {
  return `${method} ${routeTemplate}`;
}

/**
 * routeEntityId memoized per method and template, so that a store does not build the same string for
 * every event; bounded (cleared when it holds `limit` ids), so hostile templates cannot grow it.
 */
export class RouteIdMemo {
  private readonly byMethod = new Map<string, Map<string, string>>();
  private count = 0;

  constructor(private readonly limit = 100_000) {}

  get(method: string, template: string): string {
    let byTemplate = this.byMethod.get(method);
    if (!byTemplate) this.byMethod.set(method, (byTemplate = new Map()));
    let id = byTemplate.get(template);
    if (id === undefined) {
      if (this.count >= this.limit) {
        for (const m of this.byMethod.values()) m.clear();
        this.count = 0;
      }
      id = routeEntityId(method, template);
      byTemplate.set(template, id);
      this.count++;
    }
    return id;
  }
}

/** The id of the single global login-flow entity. */
export const LOGIN_FLOW_ID = 'global';

/** The entity's id in this event, or null when the event does not carry it. */
export function entityIdOf(type: EntityType, e: AccessEvent): string | null {
  switch (type) {
    case 'ip':
      return e.clientIp;
    case 'subnet':
      return e.subnet;
    case 'asn':
      return e.asn === null ? null : String(e.asn);
    case 'country':
      return e.country;
    case 'principal':
      return e.principal;
    case 'apiKey':
      return e.apiKeyId;
    case 'session':
      return e.sessionId;
    case 'device':
      return e.deviceId;
    case 'route':
      return routeEntityId(e.method, e.routeTemplate);
    case 'loginFlow':
      return e.routeClass === 'login' ? LOGIN_FLOW_ID : null;
  }
}
