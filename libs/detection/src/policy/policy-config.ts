/**
 * The `policy:` section of the config file: what Vigil does with what its detectors find. Validated once
 * at start-up (zod, strict: an unknown key is an error that names it); every key has a default, so no
 * section at all is a working policy.
 */
import { z } from 'zod';
import { cidrSchema } from '@vigil/events';
import { DECISION_ACTIONS } from '../records/records';

export const DETECTOR_NAMES = [
  'credential-stuffing',
  'credential-cracking',
  'account-takeover',
  'session-hijack',
  'scraping',
  'api-key-abuse',
  'login-population',
] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

const cidr = cidrSchema;

const threshold = z.number().min(0).max(1);

const detectorPolicy = z
  .object({
    enabled: z.boolean().default(true),
    /** Overrides the model manifest's alert threshold (model scores). */
    modelAlert: threshold.optional(),
    /** Overrides the model manifest's block threshold (model scores). */
    modelEnforce: threshold.optional(),
    /** Baseline-rule score thresholds. */
    ruleAlert: threshold.default(0.5),
    ruleEnforce: threshold.default(0.9),
    action: z.enum(DECISION_ACTIONS).optional(),
    ttlSeconds: z
      .number()
      .int()
      .min(10)
      .max(7 * 86_400)
      .optional(),
    /** Decisions of this detector are written as shadow (monitor-only) even in enforce mode. */
    shadow: z.boolean().default(false),
  })
  .strict();
export type DetectorPolicy = z.infer<typeof detectorPolicy>;

const allowEntry = z.union([
  z.string().min(1),
  z.object({ value: z.string().min(1), note: z.string().default('') }).strict(),
]);

export const policyConfigSchema = z
  .object({
    /** `shadow`: every decision is written and audited with `shadow: true`, none is enforced. */
    mode: z.enum(['enforce', 'shadow']).default('enforce'),
    detectors: z
      .object(Object.fromEntries(DETECTOR_NAMES.map((d) => [d, detectorPolicy.default(detectorPolicy.parse({}))])))
      .strict()
      .default(Object.fromEntries(DETECTOR_NAMES.map((d) => [d, detectorPolicy.parse({})]))),
    ttl: z
      .object({
        /** Default decision lifetime; a detector's ttlSeconds overrides it. */
        defaultSeconds: z.number().int().min(10).default(900),
        /** A repeat offender's next decision lasts this many times longer… */
        escalationFactor: z.number().min(1).max(10).default(2),
        /** …up to this cap. */
        maxSeconds: z.number().int().min(10).default(86_400),
        /** Offences further apart than this start the count again. */
        offenderMemorySeconds: z.number().int().min(60).default(86_400),
      })
      .strict()
      .default({ defaultSeconds: 900, escalationFactor: 2, maxSeconds: 86_400, offenderMemorySeconds: 86_400 }),
    allowlist: z
      .object({
        /** Partners, internal ranges, aggregators, monitors: never enforced on, alerted as exceptions. */
        cidrs: z.array(z.union([cidr, z.object({ value: cidr, note: z.string().default('') }).strict()])).default([]),
        /** Raw API keys (hashed with the source's key before comparison). */
        apiKeys: z.array(allowEntry).default([]),
        /** Raw principals (usernames), hashed likewise. */
        principals: z.array(allowEntry).default([]),
      })
      .strict()
      .default({ cidrs: [], apiKeys: [], principals: [] }),
    guards: z
      .object({
        /**
         * An address or subnet where this many successful logins happened in the last hour, with few
         * failures, is shared (carrier-grade NAT, an office, an aggregator): it is never blocked for what
         * one account behind it does; its findings become `monitor`.
         */
        sharedAddressMinSuccessfulLogins: z.number().int().min(1).default(5),
        sharedAddressMaxFailedLoginRatio: z.number().min(0).max(1).default(0.5),
        /** An API key whose answered requests in one batch act for this many accounts is shared (an aggregator). */
        sharedKeyMinAccounts: z.number().int().min(1).default(5),
        /** User agents of declared search crawlers: their findings become `monitor` (verify, then allowlist). */
        crawlerUserAgents: z
          .array(z.string().min(1))
          .default(['Googlebot', 'bingbot', 'DuckDuckBot', 'YandexBot', 'Baiduspider', 'Applebot', 'Slurp']),
      })
      .strict()
      .default({
        sharedAddressMinSuccessfulLogins: 5,
        sharedAddressMaxFailedLoginRatio: 0.5,
        sharedKeyMinAccounts: 5,
        crawlerUserAgents: ['Googlebot', 'bingbot', 'DuckDuckBot', 'YandexBot', 'Baiduspider', 'Applebot', 'Slurp'],
      }),
    /** An alert on the same entity is not repeated within this many seconds (unless it escalates). */
    alertCooldownSeconds: z.number().int().min(0).default(1800),
  })
  .strict();

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

export class PolicyConfigError extends Error {}

/** Parses a `policy:` section; every problem is reported as `policy.<path>: message` in one error. */
export function parsePolicyConfig(input: unknown): PolicyConfig {
  const r = policyConfigSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.flatMap((i) => {
    const path = ['policy', ...i.path.map(String)].join('.');
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${path}.${k}: unknown key`);
    return [`${path}: ${i.message}`];
  });
  throw new PolicyConfigError(`invalid policy config:\n  ${problems.join('\n  ')}`);
}

export const DEFAULT_POLICY: PolicyConfig = parsePolicyConfig({});
