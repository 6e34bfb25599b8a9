/**
 * From the shared template of an event (`AccessEvent.routeTemplate`, made by the one RouteTemplater in
 * @vigil/events with its typed slots and the source's pinned templates) to the inventory's endpoint
 * template. This layer only adds what a stateless templater cannot know:
 *
 * 1. Pinned templates (`routes.pinnedTemplates`) are final: nothing here changes them.
 * 2. Documented templates (paths of the loaded OpenAPI specs for the host) win next: `/users/alice`
 *    becomes `/users/{username}` when a spec says so. The most literal match wins. Only literal segments
 *    take the spec's slot: a typed slot the shared templater made (`{id}`, `{uuid}`) stays, so an
 *    endpoint's identity does not depend on how a spec author named its parameters (`{accountId}`), and
 *    inventories built with and without specs, or against two spec versions, line up.
 * 3. Evidence-based free-string slots: a literal segment becomes `{str}` once at least
 *    `freeSlotMinValues` distinct values were answered by a route (any status but 404/405/501) at the
 *    same position, under the same other segments. Never the first segment, never a configured literal
 *    segment, at most one per template. When two promotions match one template the first made wins, so
 *    a template that resolved to a promoted one never moves to another (only literals are folded).
 *
 * Everything is keyed on data seen so far, so the same input in the same order gives the same templates.
 */
import { splitPath } from '@vigil/events';
import { isSlot } from '../endpoint-key';

export const FREE_SLOT = '{str}';

export interface Promotion {
  readonly host: string;
  /** The new template, e.g. `/users/{str}/profile`. */
  readonly template: string;
  /** Index of the `{str}` segment. */
  readonly position: number;
  /** Why: how many distinct values were seen there, and a few of them. */
  readonly evidence: { readonly distinctValues: number; readonly examples: readonly string[] };
}

export interface TemplateResolverOptions {
  readonly pinnedTemplates: readonly string[];
  readonly literalSegments: readonly string[];
  readonly freeSlotMinValues: number;
  /** Evidence positions remembered per host; beyond this new positions gather no evidence. */
  readonly maxEvidencePerHost: number;
  /** Documented path templates per host; `*` applies to every host. */
  readonly documented?: ReadonlyMap<string, readonly string[]>;
}

interface CompiledTemplate {
  readonly template: string;
  readonly segments: readonly string[];
  readonly literals: number;
}

interface HostState {
  readonly cache: Map<string, string>;
  readonly evidence: Map<string, Set<string>>;
  readonly promotions: { readonly position: number; readonly segments: readonly string[]; readonly template: string }[];
  /** Templates that came out of the documented step: final, like pinned ones. */
  readonly documented: Set<string>;
  evidenceDropped: number;
}

const CACHE_CAP = 50_000;

export function canonicalTemplate(template: string): string {
  const segs = splitPath(template);
  return segs.length === 0 ? '/' : `/${segs.join('/')}`;
}

export class TemplateResolver {
  private readonly pinned: ReadonlySet<string>;
  private readonly literal: ReadonlySet<string>;
  private readonly documented = new Map<string, CompiledTemplate[]>();
  private readonly hosts = new Map<string, HostState>();

  constructor(private readonly options: TemplateResolverOptions) {
    this.pinned = new Set(options.pinnedTemplates.map(canonicalTemplate));
    this.literal = new Set(options.literalSegments);
    for (const [host, templates] of options.documented ?? []) {
      this.documented.set(
        host,
        templates.map((t) => {
          const segments = splitPath(t);
          return { template: canonicalTemplate(t), segments, literals: segments.filter((s) => !isSlot(s)).length };
        }),
      );
    }
  }

  /** The endpoint template for a shared route template on a host. Cached: cheap per event. */
  resolve(host: string, routeTemplate: string): string {
    const state = this.host(host);
    const hit = state.cache.get(routeTemplate);
    if (hit !== undefined) return hit;
    const resolved = this.compute(host, state, routeTemplate);
    if (state.cache.size >= CACHE_CAP) state.cache.clear();
    state.cache.set(routeTemplate, resolved);
    return resolved;
  }

  /** True when `template` came out of step 1 or 2 (pinned or documented): never merged further. */
  isFixed(host: string, template: string): boolean {
    if (this.pinned.has(template)) return true;
    if (this.hosts.get(host)?.documented.has(template)) return true;
    return this.documentedFor(host).some((d) => d.template === template);
  }

  /**
   * Records that a template the resolver left as it was has been answered by a route. Returns the
   * promotion it completes, if any; the caller merges what it had under the old templates.
   */
  observe(host: string, template: string): Promotion | null {
    if (this.isFixed(host, template)) return null;
    const segs = splitPath(template);
    if (segs.length < 2) return null;
    const state = this.host(host);
    const min = this.options.freeSlotMinValues;
    for (let i = 1; i < segs.length; i++) {
      const value = segs[i]!;
      if (isSlot(value) || this.literal.has(value)) continue;
      const key = skeletonKey(segs, i);
      let values = state.evidence.get(key);
      if (!values) {
        if (state.evidence.size >= this.options.maxEvidencePerHost) {
          state.evidenceDropped++;
          continue;
        }
        values = new Set();
        state.evidence.set(key, values);
      }
      values.add(value);
      if (values.size >= min) {
        const promotedSegs = segs.slice();
        promotedSegs[i] = FREE_SLOT;
        const promoted = `/${promotedSegs.join('/')}`;
        state.evidence.delete(key);
        const promotion: Promotion = {
          host,
          template: promoted,
          position: i,
          evidence: { distinctValues: values.size, examples: [...values].slice(0, 5) },
        };
        this.addPromotion(state, promotion);
        return promotion;
      }
    }
    return null;
  }

  /** Re-applies promotions made earlier (by this process or another writer of the same store). */
  restore(promotions: readonly Promotion[]): void {
    for (const p of promotions) {
      const state = this.host(p.host);
      if (!state.promotions.some((q) => q.template === p.template)) this.addPromotion(state, p);
    }
  }

  /** True when a template left literal would now resolve to the promoted one (for merging old records). */
  matchesPromotion(promotion: Promotion, template: string): boolean {
    const segs = splitPath(template);
    return this.matches(splitPath(promotion.template), promotion.position, segs);
  }

  evidenceDropped(host: string): number {
    return this.hosts.get(host)?.evidenceDropped ?? 0;
  }

  private addPromotion(state: HostState, p: Promotion): void {
    state.promotions.push({ position: p.position, segments: splitPath(p.template), template: p.template });
    // In the order made (restored ones first, in snapshot order): the first that matches wins.
    state.cache.clear();
  }

  private compute(host: string, state: HostState, routeTemplate: string): string {
    if (this.pinned.has(routeTemplate)) return routeTemplate;
    const segs = splitPath(routeTemplate);
    const doc = this.bestDocumented(host, segs);
    if (doc) {
      let merged = '';
      for (let i = 0; i < segs.length; i++) merged += `/${isSlot(segs[i]!) ? segs[i] : doc.segments[i]}`;
      const template = merged || '/';
      state.documented.add(template);
      return template;
    }
    for (const p of state.promotions) if (this.matches(p.segments, p.position, segs)) return p.template;
    return routeTemplate;
  }

  private matches(promoted: readonly string[], position: number, segs: readonly string[]): boolean {
    if (promoted.length !== segs.length) return false;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      if (i === position) {
        if (s !== FREE_SLOT && (isSlot(s) || this.literal.has(s))) return false;
      } else if (promoted[i] !== s) return false;
    }
    return true;
  }

  private documentedFor(host: string): readonly CompiledTemplate[] {
    const own = this.documented.get(host);
    const any = this.documented.get('*');
    if (own && any) return [...own, ...any];
    return own ?? any ?? [];
  }

  private bestDocumented(host: string, segs: readonly string[]): CompiledTemplate | null {
    let best: CompiledTemplate | null = null;
    for (const d of this.documentedFor(host)) {
      if (d.segments.length !== segs.length) continue;
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const want = d.segments[i]!;
        if (!isSlot(want) && want !== segs[i]) {
          ok = false;
          break;
        }
      }
      if (ok && (!best || d.literals > best.literals || (d.literals === best.literals && d.template < best.template))) {
        best = d;
      }
    }
    return best;
  }

  private host(host: string): HostState {
    let s = this.hosts.get(host);
    if (!s) {
      s = { cache: new Map(), evidence: new Map(), promotions: [], documented: new Set(), evidenceDropped: 0 };
      this.hosts.set(host, s);
    }
    return s;
  }
}

function skeletonKey(segs: readonly string[], position: number): string {
  let key = '';
  for (let i = 0; i < segs.length; i++) key += i === position ? '/\u0000' : `/${segs[i]}`;
  return key;
}
