/**
 * The one route templater: `/accounts/123/statements` → `/accounts/{id}/statements`.
 * Stateless and deterministic, so that the same path gives the same template live, in replay, in
 * training and in the API inventory (which layers evidence-based free-string slots on top of it).
 *
 * Typed slots, decided per segment with no state:
 *   {id}    all digits, or a masked card/account number (`****1234`)
 *   {uuid}  RFC 4122 text form
 *   {hex}   16+ hex digits (object ids, hashes)
 *   {token} 20+ characters of [A-Za-z0-9_-] mixing letters and digits (opaque ids, base64url)
 *   {date}  ISO date `2026-12-01`
 *   {email} an e-mail address (already masked by then)
 * Segments like `v1`, `api`, `me` stay literal: they name the API, not an instance.
 */

export const SLOT_TYPES = ['id', 'uuid', 'hex', 'token', 'date', 'email'] as const;
export type SlotType = (typeof SLOT_TYPES)[number];

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEX_RE = /^[0-9a-fA-F]{16,}$/;
const TOKEN_RE = /^[A-Za-z0-9_-]{20,}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The slot type of one path segment, or null when the segment is literal. */
export function classifySegment(seg: string): SlotType | null {
  const len = seg.length;
  if (len === 0) return null;
  const c0 = seg.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    let allDigits = true;
    for (let i = 1; i < len; i++) {
      const c = seg.charCodeAt(i);
      if (c < 48 || c > 57) {
        allDigits = false;
        break;
      }
    }
    if (allDigits) return 'id';
    if (len === 10 && DATE_RE.test(seg)) return 'date';
  } else if (c0 === 42 /* * */ && len === 8 && seg.startsWith('****')) {
    return 'id';
  } else if (c0 === 123 /* { */ && seg === '{email}') {
    return 'email';
  }
  if (len === 36 && UUID_RE.test(seg)) return 'uuid';
  if (len >= 16 && HEX_RE.test(seg) && /\d/.test(seg)) return 'hex';
  if (len >= 20 && TOKEN_RE.test(seg) && /\d/.test(seg) && /[A-Za-z]/.test(seg)) return 'token';
  return null;
}

interface CompiledPin {
  readonly template: string;
  /** Literal segment, or null for a slot. */
  readonly parts: readonly (string | null)[];
}

export class RouteTemplater {
  private readonly pinsByLength = new Map<number, CompiledPin[]>();

  /** `pinned`: templates that win over automatic templating, e.g. `/users/{username}/profile`. */
  constructor(pinned: readonly string[] = []) {
    for (const template of pinned) {
      const parts = splitPath(template).map((p) => (p.startsWith('{') && p.endsWith('}') ? null : p));
      const list = this.pinsByLength.get(parts.length) ?? [];
      list.push({ template: joinPath(splitPath(template)), parts });
      this.pinsByLength.set(parts.length, list);
    }
  }

  /** Templates a path (without query). Empty and duplicate slashes collapse; a trailing slash is dropped. */
  template(path: string): string {
    const segments = splitPath(path);
    if (this.pinsByLength.size > 0) {
      const pin = this.matchPin(segments);
      if (pin) return pin;
    }
    let changed = false;
    for (let i = 0; i < segments.length; i++) {
      const slot = classifySegment(segments[i]!);
      if (slot) {
        segments[i] = `{${slot}}`;
        changed = true;
      }
    }
    if (!changed && isCanonical(path)) return path;
    return joinPath(segments);
  }

  private matchPin(segments: readonly string[]): string | null {
    const pins = this.pinsByLength.get(segments.length);
    if (!pins) return null;
    for (const pin of pins) {
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const want = pin.parts[i];
        if (want !== null && want !== segments[i]) {
          ok = false;
          break;
        }
      }
      if (ok) return pin.template;
    }
    return null;
  }
}

export function splitPath(path: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47) {
      if (i > start) out.push(path.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

function joinPath(segments: readonly string[]): string {
  return segments.length === 0 ? '/' : `/${segments.join('/')}`;
}

function isCanonical(path: string): boolean {
  if (path.charCodeAt(0) !== 47) return false;
  if (path.length > 1 && path.charCodeAt(path.length - 1) === 47) return false;
  return !path.includes('//');
}
