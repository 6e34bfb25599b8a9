/**
 * The inventory's own settings: the `inventory:` section of a source config file (the rest of that file
 * is the source mapping, validated by @vigil/events). Template pins are not here: they are the source's
 * `routes.pinnedTemplates`, applied by the one shared RouteTemplater. Validated once, with messages that
 * name the offending key.
 */
import { z } from 'zod';
import { ConfigError, parseCidr, ROUTE_CLASSES } from '@vigil/events';

const cidr = z.string().refine(
  (text) => {
    try {
      parseCidr(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32' },
);

/** Private, loopback, link-local and unique-local ranges (RFC 1918, 1122, 3927, 4193, 4291). */
export const DEFAULT_PRIVATE_CIDRS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
] as const;

export const RISK_FACTORS = [
  'sensitive_flow',
  'sensitive_data',
  'auth_gap',
  'public_exposure',
  'shadow',
  'zombie',
  'probing',
  'detections',
] as const;
export type RiskFactorName = (typeof RISK_FACTORS)[number];

export const DEFAULT_RISK_WEIGHTS: Readonly<Record<RiskFactorName, number>> = {
  sensitive_flow: 2,
  sensitive_data: 2,
  auth_gap: 2.5,
  public_exposure: 1.5,
  shadow: 1.5,
  zombie: 2.5,
  probing: 2,
  detections: 2,
};

const weights = z
  .object(Object.fromEntries(RISK_FACTORS.map((f) => [f, z.number().min(0).max(10).optional()])))
  .strict()
  .default({});

export const inventoryConfigSchema = z
  .object({
    templates: z
      .object({
        /** Distinct sibling values (answered by a route, not 404) before a literal position becomes `{str}`. */
        freeSlotMinValues: z.number().int().min(2).max(10_000).default(20),
        /** Segment values that stay literal whatever the evidence, e.g. `me`, `search`. */
        literalSegments: z.array(z.string().min(1)).default([]),
        /** Endpoints (method + template) kept per host; more go to the host's overflow bucket. */
        maxPerHost: z.number().int().min(1).max(1_000_000).default(1000),
        /** Query keys tracked per endpoint; more are counted, not named. */
        maxQueryKeys: z.number().int().min(0).max(1000).default(64),
        /** Overflowed templates kept as examples per host. */
        overflowSamples: z.number().int().min(0).max(1000).default(20),
        /** Hosts tracked; requests for further hosts go to the overflow bucket of host `*`. */
        maxHosts: z.number().int().min(1).max(100_000).default(1000),
      })
      .strict()
      .default({
        freeSlotMinValues: 20,
        literalSegments: [],
        maxPerHost: 1000,
        maxQueryKeys: 64,
        overflowSamples: 20,
        maxHosts: 1000,
      }),
    exposure: z
      .object({
        /** Addresses that count as internal. Replaces the default list when given. */
        privateCidrs: z.array(cidr).default([...DEFAULT_PRIVATE_CIDRS]),
        /** Partner and aggregator ranges: not internal, not the open internet. */
        partnerCidrs: z.array(cidr).default([]),
      })
      .strict()
      .default({ privateCidrs: [...DEFAULT_PRIVATE_CIDRS], partnerCidrs: [] }),
    auth: z
      .object({
        /** Share of served requests that must be authenticated for coverage `consistent`. */
        consistentShare: z.number().min(0).max(1).default(0.95),
        /** At or below this share coverage is `missing`. */
        missingShare: z.number().min(0).max(1).default(0.05),
        /** Route classes that are reached before authentication, where no auth is expected. */
        preAuthClasses: z
          .array(z.enum(ROUTE_CLASSES))
          .default(['login', 'signup', 'password-reset', 'health', 'static']),
      })
      .strict()
      .default({
        consistentShare: 0.95,
        missingShare: 0.05,
        preAuthClasses: ['login', 'signup', 'password-reset', 'health', 'static'],
      }),
    risk: z
      .object({
        weights,
        /** Share of 401/403/404/429 answers at which the probing factor starts, and where it is full. */
        probingFrom: z.number().min(0).max(1).default(0.2),
        probingFull: z.number().min(0).max(1).default(0.7),
        /** Fewer requests than this never count as probing (one stray 404 is not a scan). */
        probingMinRequests: z.number().int().min(1).default(20),
      })
      .strict()
      .default({ weights: {}, probingFrom: 0.2, probingFull: 0.7, probingMinRequests: 20 }),
  })
  .strict();

export type InventoryConfigInput = z.input<typeof inventoryConfigSchema>;
type ParsedInventoryConfig = z.output<typeof inventoryConfigSchema>;

export interface InventoryConfig extends Omit<ParsedInventoryConfig, 'risk'> {
  readonly risk: Omit<ParsedInventoryConfig['risk'], 'weights'> & {
    readonly weights: Readonly<Record<RiskFactorName, number>>;
  };
}

export function parseInventoryConfig(input: unknown, origin = 'inventory config'): InventoryConfig {
  const result = inventoryConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map(
      (i) => `inventory.${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`,
    );
    throw new ConfigError(`${origin} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  const parsed = result.data;
  const given = parsed.risk.weights as Partial<Record<RiskFactorName, number>>;
  const merged = { ...DEFAULT_RISK_WEIGHTS };
  for (const f of RISK_FACTORS) if (given[f] !== undefined) merged[f] = given[f]!;
  return { ...parsed, risk: { ...parsed.risk, weights: merged } };
}

/**
 * Splits a whole config file into its source mapping (for @vigil/events) and its `inventory:` section.
 */
export function splitInventorySection(raw: unknown): { source: unknown; inventory: unknown } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { source: raw, inventory: undefined };
  const { inventory, ...source } = raw as Record<string, unknown>;
  return { source, inventory };
}
