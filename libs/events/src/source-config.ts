/**
 * Per-source mapping config: where each AccessEvent field comes from, and the privacy rules applied
 * before anything is stored. Every field has a default, so the common case needs no file at all;
 * a file (YAML or JSON) overrides what it names. Validated once at load with messages that name the
 * offending key.
 */
import { z } from 'zod';
import { GATEWAY_KINDS, ROUTE_CLASSES } from './access-event';
import { parseCidr } from './normalize/ip';

const headerName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')
  .transform((h) => h.toLowerCase());

/** A CIDR range or bare address, validated with the hot path's own parser (shared by every config). */
export const cidrSchema = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      parseCidr(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
const cidr = cidrSchema;
const cidrList = z.array(cidr).default([]);

const routeRule = z.object({
  /** Path prefix on segment boundaries (`/auth/login` matches `/auth/login/` and `/v1/auth/login`), or a regex with `regex:`. */
  match: z.string().min(1),
  class: z.enum(ROUTE_CLASSES),
  methods: z
    .array(
      z
        .string()
        .min(1)
        .transform((m) => m.toUpperCase()),
    )
    .optional(),
});
export type RouteRule = z.infer<typeof routeRule>;

export const DEFAULT_ROUTE_RULES: readonly RouteRule[] = [
  { match: '/auth/login', class: 'login' },
  { match: '/login', class: 'login' },
  { match: '/oauth/token', class: 'login', methods: ['POST'] },
  { match: '/auth/signup', class: 'signup' },
  { match: '/auth/register', class: 'signup' },
  { match: '/signup', class: 'signup' },
  { match: '/register', class: 'signup' },
  { match: '/auth/password-reset', class: 'password-reset' },
  { match: '/auth/forgot-password', class: 'password-reset' },
  { match: '/password-reset', class: 'password-reset' },
  { match: '/auth/mfa', class: 'mfa' },
  { match: '/auth/otp', class: 'mfa' },
  { match: '/mfa', class: 'mfa' },
  { match: '/payments', class: 'payment' },
  { match: '/transfers', class: 'payment' },
  { match: '/payees', class: 'account-change' },
  { match: '/beneficiaries', class: 'account-change' },
  { match: '/profile', class: 'account-change' },
  { match: '/health', class: 'health' },
  { match: '/healthz', class: 'health' },
  { match: '/status', class: 'health' },
  { match: '/ready', class: 'health' },
  { match: '/accounts', class: 'data-read', methods: ['GET', 'HEAD'] },
  { match: '/transactions', class: 'data-read', methods: ['GET', 'HEAD'] },
  { match: '/statements', class: 'data-read', methods: ['GET', 'HEAD'] },
  { match: '/cards', class: 'data-read', methods: ['GET', 'HEAD'] },
  { match: '/balances', class: 'data-read', methods: ['GET', 'HEAD'] },
];

export const DEFAULT_STATIC_EXTENSIONS = [
  'js',
  'mjs',
  'css',
  'map',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'ico',
  'webp',
  'avif',
  'woff',
  'woff2',
  'ttf',
  'eot',
  'otf',
  'txt',
  'html',
  'htm',
  'webmanifest',
] as const;

export const sourceConfigSchema = z
  .object({
    /** The gateway format of this source. */
    gateway: z.enum(GATEWAY_KINDS).optional(),
    /** Id stamped on every event from this source; defaults to the gateway name. */
    sourceId: z.string().min(1).max(64).optional(),
    /** Proxies (CDN, load balancers) whose X-Forwarded-For is believed. Nothing is trusted by default. */
    trustedProxies: cidrList,
    hashing: z
      .object({
        /** HMAC key for principal, session, device and API-key ids. At least 16 characters. */
        key: z.string().min(16, 'hashing.key must be at least 16 characters').optional(),
        /** Hex characters of the HMAC-SHA256 kept (96 bits by default). */
        hexChars: z.number().int().min(16).max(64).default(24),
      })
      .default({ hexChars: 24 }),
    principal: z
      .object({
        /** Header the gateway copies the login username into (bodies are not logged). */
        loginHeader: headerName.default('x-login-username'),
        /** Use the login header only on these route classes (a stray header elsewhere is ignored). */
        loginHeaderOn: z.array(z.enum(ROUTE_CLASSES)).default(['login', 'signup', 'password-reset', 'mfa']),
        /** Record field paths tried in order after the gateway identity (e.g. `request.querystring.user`). */
        fieldPaths: z.array(z.string().min(1)).default([]),
        /** JWT claim read from the bearer token's payload (not verified: attribution, not authentication). */
        jwtClaim: z.string().min(1).nullable().default(null),
      })
      .default({
        loginHeader: 'x-login-username',
        loginHeaderOn: ['login', 'signup', 'password-reset', 'mfa'],
        fieldPaths: [],
        jwtClaim: null,
      }),
    session: z
      .object({ cookie: z.string().min(1).default('sid'), header: headerName.default('x-session-id') })
      .default({ cookie: 'sid', header: 'x-session-id' }),
    device: z.object({ header: headerName.default('x-device-id') }).default({ header: 'x-device-id' }),
    apiKey: z
      .object({ headers: z.array(headerName).default(['apikey', 'x-api-key']) })
      .default({ headers: ['apikey', 'x-api-key'] }),
    country: z
      .object({ headers: z.array(headerName).default(['cf-ipcountry', 'cloudfront-viewer-country']) })
      .default({ headers: ['cf-ipcountry', 'cloudfront-viewer-country'] }),
    tlsFingerprint: z
      .object({ headers: z.array(headerName).default(['x-ja4', 'x-ja3', 'cf-ja3-hash']) })
      .default({ headers: ['x-ja4', 'x-ja3', 'cf-ja3-hash'] }),
    routes: z
      .object({
        /** Rules tried before the defaults; first match wins. */
        rules: z.array(routeRule).default([]),
        /** Set false to use only your own rules. */
        useDefaults: z.boolean().default(true),
        staticExtensions: z.array(z.string().min(1)).default([...DEFAULT_STATIC_EXTENSIONS]),
        /** Templates that win over automatic templating, e.g. `/users/{username}/profile`. */
        pinnedTemplates: z.array(z.string().startsWith('/')).default([]),
      })
      .default({ rules: [], useDefaults: true, staticExtensions: [...DEFAULT_STATIC_EXTENSIONS], pinnedTemplates: [] }),
    masking: z
      .object({
        /** Query keys whose values are account numbers (masked to the last 4 digits). */
        accountQueryKeys: z
          .array(z.string().min(1))
          .default(['account', 'accountnumber', 'account_number', 'acct', 'iban']),
        /** Path segments after which an 8-17 digit segment is an account number. */
        accountPathSegments: z.array(z.string().min(1)).default(['accounts', 'account', 'acct']),
      })
      .default({
        accountQueryKeys: ['account', 'accountnumber', 'account_number', 'acct', 'iban'],
        accountPathSegments: ['accounts', 'account', 'acct'],
      }),
    limits: z
      .object({
        /** A record (log line) longer than this is dead-lettered as record_too_large. */
        maxRecordBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        maxPathChars: z.number().int().min(64).max(65536).default(2048),
        maxUserAgentChars: z.number().int().min(32).max(8192).default(512),
        maxFieldChars: z.number().int().min(16).max(8192).default(256),
      })
      .default({ maxRecordBytes: 1024 * 1024, maxPathChars: 2048, maxUserAgentChars: 512, maxFieldChars: 256 }),
    /** Gateway-specific options (field names for JSON formats, NGINX log_format, ...). */
    fields: z.record(z.string(), z.string().min(1)).default({}),
    /** NGINX text: the `log_format` string the lines were written with (default: combined). */
    nginxLogFormat: z.string().min(1).optional(),
  })
  .strict();

export type SourceConfigInput = z.input<typeof sourceConfigSchema>;
export type SourceConfig = z.output<typeof sourceConfigSchema>;

/** A development key, used only when no key is configured; the CLI warns when it is in use. */
export const DEVELOPMENT_HASH_KEY = 'vigil-development-key-not-for-production';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates a parsed config object; throws ConfigError listing every problem as `path: message`. */
export function parseSourceConfig(input: unknown, origin = 'config'): SourceConfig {
  const result = sourceConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ConfigError(`${origin} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  return result.data;
}
