/**
 * Route classes (login, payment, …) from configurable rules, first match wins; user rules come before
 * the defaults. Rules match path prefixes on segment boundaries, after leading `api` and version
 * segments (`/api/v2/auth/login` is a login). `regex:` rules match the whole templated path.
 */
import type { RouteClass } from '../access-event';
import type { RouteRule } from '../source-config';
import { splitPath } from './route-templater';

const VERSION_SEG_RE = /^(?:api|v\d+(?:\.\d+)*)$/i;

interface CompiledRule {
  readonly cls: RouteClass;
  readonly methods: ReadonlySet<string> | null;
  readonly segments: readonly string[] | null;
  readonly regex: RegExp | null;
}

export interface RouteClassifierOptions {
  readonly rules: readonly RouteRule[];
  readonly staticExtensions: readonly string[];
}

export class RouteClassifier {
  private readonly rules: readonly CompiledRule[];
  private readonly staticExt: ReadonlySet<string>;
  /** Templates are few (hundreds), so (method, template) → class is cached; the cap guards floods. */
  private readonly cache = new Map<string, RouteClass>();
  private static readonly CACHE_CAP = 20_000;

  constructor(options: RouteClassifierOptions) {
    this.rules = options.rules.map(compileRule);
    this.staticExt = new Set(options.staticExtensions.map((e) => e.toLowerCase().replace(/^\./, '')));
  }

  classify(method: string, template: string): RouteClass {
    const key = `${method} ${template}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const cls = this.compute(method, template);
    if (this.cache.size >= RouteClassifier.CACHE_CAP) this.cache.clear();
    this.cache.set(key, cls);
    return cls;
  }

  private compute(method: string, template: string): RouteClass {
    const all = splitPath(template);
    let skip = 0;
    while (skip < all.length - 1 && VERSION_SEG_RE.test(all[skip]!)) skip++;
    const segs = skip ? all.slice(skip) : all;
    for (const rule of this.rules) {
      if (rule.methods && !rule.methods.has(method)) continue;
      if (rule.regex) {
        if (rule.regex.test(template)) return rule.cls;
        continue;
      }
      const want = rule.segments!;
      if (want.length > segs.length) continue;
      let ok = true;
      for (let i = 0; i < want.length; i++) {
        if (want[i] !== segs[i]!.toLowerCase()) {
          ok = false;
          break;
        }
      }
      if (ok) return rule.cls;
    }
    const last = all[all.length - 1];
    if (last) {
      const dot = last.lastIndexOf('.');
      if (dot > 0 && this.staticExt.has(last.slice(dot + 1).toLowerCase())) return 'static';
    }
    return 'other';
  }
}

function compileRule(rule: RouteRule): CompiledRule {
  const methods: ReadonlySet<string> | null = rule.methods ? new Set<string>(rule.methods) : null;
  if (rule.match.startsWith('regex:')) {
    return { cls: rule.class, methods, segments: null, regex: new RegExp(rule.match.slice(6)) };
  }
  return { cls: rule.class, methods, segments: splitPath(rule.match.toLowerCase()), regex: null };
}
