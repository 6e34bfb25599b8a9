/**
 * Endpoint identity: host + method + route template. Within a host, `METHOD /template` is the key.
 * The overflow bucket of a host is a pseudo-endpoint with method `*` and template `{overflow}`.
 */
export const OVERFLOW_METHOD = '*';
export const OVERFLOW_TEMPLATE = '{overflow}';
export const OVERFLOW_KEY = `${OVERFLOW_METHOD} ${OVERFLOW_TEMPLATE}`;

export function endpointKey(method: string, template: string): string {
  return `${method} ${template}`;
}

export function parseEndpointKey(key: string): { method: string; template: string } {
  const sp = key.indexOf(' ');
  return { method: key.slice(0, sp), template: key.slice(sp + 1) };
}

export function isSlot(segment: string): boolean {
  return segment.length > 2 && segment.charCodeAt(0) === 123 && segment.charCodeAt(segment.length - 1) === 125;
}

/** Slots compare equal whatever their names: `/a/{id}` and `/a/{accountId}` have one shape. */
export function templateShape(template: string): string {
  return template.replace(/\{[^/}]*\}/g, '{}');
}

/** Host of the overflow bucket for requests to hosts beyond `templates.maxHosts`. */
export const OTHER_HOSTS = '*';

/**
 * The status an event proves a route with: a logged request that was not valid HTTP (a scanner's probe,
 * `malformed` set) proves no route, whatever the gateway answered (NGINX answers them 400).
 */
export function admissionStatus(e: { readonly status: number; readonly malformed: unknown }): number {
  return e.malformed === null || e.malformed === undefined ? e.status : 404;
}

/** Statuses that say "no such route" rather than "this route answered". */
export function routeExists(status: number): boolean {
  return status !== 404 && status !== 405 && status !== 501;
}
