/**
 * Query keys and the kind of their values, from the masked query string. Values are never kept:
 * only whether they looked like an integer, a number, a boolean or free text.
 */
export const QUERY_VALUE_KINDS = ['int', 'num', 'bool', 'str'] as const;
export type QueryValueKind = (typeof QUERY_VALUE_KINDS)[number];

const MAX_KEY_CHARS = 64;

/** Calls `visit(key, kind)` for each `key=value` pair; keys are percent-decoded when that is valid. */
export function forEachQueryKey(query: string, visit: (key: string, kind: QueryValueKind) => void): void {
  let start = 0;
  const len = query.length;
  while (start <= len) {
    let end = query.indexOf('&', start);
    if (end < 0) end = len;
    if (end > start) {
      const eq = query.indexOf('=', start);
      const keyEnd = eq >= 0 && eq < end ? eq : end;
      if (keyEnd > start) {
        let key = query.slice(start, Math.min(keyEnd, start + MAX_KEY_CHARS));
        if (key.includes('%') || key.includes('+')) key = decodeKey(key);
        visit(key, eq >= 0 && eq < end ? kindOf(query, eq + 1, end) : 'bool');
      }
    }
    start = end + 1;
  }
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

function kindOf(q: string, from: number, to: number): QueryValueKind {
  if (from >= to) return 'str';
  let digits = true;
  let numeric = true;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = q.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    digits = false;
    if (c === 46 /* . */ && ++dots === 1) continue;
    if (c === 45 /* - */ && i === from) continue;
    numeric = false;
    break;
  }
  if (digits && to - from <= 15) return 'int';
  if (numeric && to - from <= 24) return 'num';
  const n = to - from;
  if ((n === 4 || n === 5) && /^(?:true|false)$/i.test(q.slice(from, to))) return 'bool';
  return 'str';
}

/** The most general kind seen: str > num > int; bool only when nothing else was seen. */
export function generalKind(counts: Partial<Record<QueryValueKind, number>>): QueryValueKind {
  if (counts.str) return 'str';
  if (counts.bool) return counts.int || counts.num ? 'str' : 'bool';
  if (counts.num) return 'num';
  return 'int';
}
