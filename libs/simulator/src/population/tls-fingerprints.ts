/**
 * TLS client fingerprints (JA4, https://github.com/FoxIO-LLC/ja4) of the simulated clients' TLS stacks.
 * The CDN in front of the bank computes the fingerprint of each connection and passes it to the gateway
 * in the `x-ja4` request header; traffic that reaches the gateway directly (monitors, partners) carries
 * none.
 *
 * One fingerprint per TLS stack, not per user agent: JA4 sorts ciphers and extensions, so every Chrome of
 * one feature set (and Edge, which shares its BoringSSL) gives the same value, while a script that claims
 * a Chrome user agent still presents its own library's ClientHello. The values are synthetic but keep
 * JA4's shape: `t13d1516h2_8daaf6152771_e5627efa2ab1` = protocol + TLS version + SNI + cipher count +
 * extension count + ALPN, then two truncated SHA-256 hashes.
 */
import type { Random } from '../random';

/** Browsers and apps, by TLS stack. */
export const BROWSER_JA4 = {
  /** Chrome and Edge before X25519Kyber768 was on by default (≤ 123). */
  chromeLegacy: 't13d1516h2_8daaf6152771_e5627efa2ab1',
  /** Chrome and Edge 124+ (post-quantum key share: one more extension). */
  chrome: 't13d1517h2_8daaf6152771_b1ff8ab2d16f',
  firefox: 't13d1715h2_5b57614c22b0_3d5424432f57',
  /** Safari on macOS and iOS (Apple's TLS stack). */
  safari: 't13d2014h2_a09f3c656075_14788d8d241b',
  /** The bank's iOS app (URLSession, same stack as Safari but another extension set). */
  iosApp: 't13d2014h2_a09f3c656075_e42f34c56612',
  /** The bank's Android app and any okhttp client (Conscrypt). */
  okhttp: 't13d1713h2_5b57614c22b0_748f4c70de1c',
} as const;

/** Automation stacks: what a script presents whatever user agent it claims. */
export const TOOL_JA4 = {
  pythonRequests: 't13d4907h1_0d8feac7bc37_7395dae3b2f3',
  pythonHttpx: 't13d4908h2_0d8feac7bc37_8f06e1cb8d43',
  go: 't13d1312h2_f57a46bbacb6_ab7e3b40a677',
  curl: 't13d3112h2_e8f1e7e78f70_6bebaf5329ac',
  node: 't13d5911h1_a33745022dd6_1f22a2ca17c4',
  headlessChrome: 't13d1516h2_8daaf6152771_02713d6af862',
  okhttp: BROWSER_JA4.okhttp,
  java: 't13d4412h2_6c3bcc1f1f59_9a43c2bc2d1b',
  /** A TLS-impersonation library with an imperfect Chrome profile (a near miss of `chrome`). */
  impersonateChrome: 't13d1516h2_8daaf6152771_9b7fbc9e6ad1',
} as const;

/** The fingerprints attack tooling draws from (one fleet's library). */
export const AUTOMATION_JA4: readonly string[] = [
  TOOL_JA4.pythonRequests,
  TOOL_JA4.pythonHttpx,
  TOOL_JA4.go,
  TOOL_JA4.node,
  TOOL_JA4.headlessChrome,
  TOOL_JA4.curl,
  TOOL_JA4.java,
  TOOL_JA4.impersonateChrome,
  TOOL_JA4.okhttp,
];

export const CRAWLER_JA4 = 't13d1410h2_c866b44c5a26_b5b8d5a2e3f1';

/**
 * The JA4 of the TLS stack a user agent names: what an honest client with that user agent presents.
 * Pure (no draws), so any client can derive it without shifting a random stream.
 */
export function ja4ForUserAgent(userAgent: string | null): string {
  if (userAgent === null) return TOOL_JA4.curl;
  if (userAgent.includes('HeadlessChrome')) return TOOL_JA4.headlessChrome;
  if (userAgent.startsWith('BankApp/')) return userAgent.includes('okhttp') ? BROWSER_JA4.okhttp : BROWSER_JA4.iosApp;
  if (userAgent.includes('Googlebot')) return CRAWLER_JA4;
  const chrome = /Chrome\/(\d+)/.exec(userAgent);
  if (chrome) return Number(chrome[1]) >= 124 ? BROWSER_JA4.chrome : BROWSER_JA4.chromeLegacy;
  if (userAgent.includes('Firefox/')) return BROWSER_JA4.firefox;
  if (userAgent.includes('Safari/')) return BROWSER_JA4.safari;
  if (userAgent.includes('python-requests')) return TOOL_JA4.pythonRequests;
  if (userAgent.includes('python-httpx')) return TOOL_JA4.pythonHttpx;
  if (userAgent.includes('Go-http-client')) return TOOL_JA4.go;
  if (userAgent.includes('curl/')) return TOOL_JA4.curl;
  if (userAgent.includes('axios/') || userAgent.includes('node-fetch')) return TOOL_JA4.node;
  if (userAgent.includes('okhttp/')) return TOOL_JA4.okhttp;
  if (userAgent.includes('Java/') || userAgent.includes('Apache-HttpClient')) return TOOL_JA4.java;
  return TOOL_JA4.go;
}

/**
 * How a campaign that claims browser user agents presents TLS: one library for the whole fleet
 * (`tool_shared`), two or three (`few_tools`, one per worker image), or a real browser engine whose
 * fingerprint matches the claimed user agent (`browser_like`: no population signature can catch it).
 */
export type TlsMode = 'tool_shared' | 'few_tools' | 'browser_like';

export interface TlsProfile {
  readonly mode: TlsMode;
  /** The tool fingerprints of the fleet (empty for `browser_like`). */
  readonly tools: readonly string[];
}

/** Draws a campaign's TLS profile; `browserLikeShare` is the chance of a browser-grade fleet. */
export function drawTlsProfile(rng: Random, browserLikeShare: number): TlsProfile {
  const x = rng.float();
  if (x < browserLikeShare) return { mode: 'browser_like', tools: [] };
  const tools = rng.shuffle([...AUTOMATION_JA4]);
  if (x < browserLikeShare + (1 - browserLikeShare) * 0.3) {
    return { mode: 'few_tools', tools: tools.slice(0, rng.int(2, 3)) };
  }
  return { mode: 'tool_shared', tools: tools.slice(0, 1) };
}

/** The fingerprint one client of a campaign presents (a `few_tools` worker keeps its tool). */
export function ja4Of(profile: TlsProfile, rng: Random, userAgent: string | null): string {
  return profile.mode === 'browser_like' ? ja4ForUserAgent(userAgent) : rng.pick(profile.tools);
}
