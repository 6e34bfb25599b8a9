/**
 * User agents of the simulated population. Browser versions vary so that UA diversity features see
 * realistic spreads; bots announce themselves the way real ones do.
 */
import type { Random } from '../random';

const CHROME_VERSIONS = ['122.0.6261.112', '123.0.6312.86', '124.0.6367.91', '125.0.6422.60', '126.0.6478.126'];
const FIREFOX_VERSIONS = ['123.0', '124.0', '125.0', '126.0'];
const SAFARI_VERSIONS = ['17.3', '17.4', '17.4.1', '17.5'];

export function pickUserAgent(rng: Random): string {
  const x = rng.float();
  if (x < 0.45) {
    const os = rng.pick([
      'Windows NT 10.0; Win64; x64',
      'Macintosh; Intel Mac OS X 10_15_7',
      'X11; Linux x86_64',
      'Windows NT 10.0; Win64; x64',
    ]);
    return `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${rng.pick(CHROME_VERSIONS)} Safari/537.36`;
  }
  if (x < 0.6) {
    const v = rng.pick(FIREFOX_VERSIONS);
    const os = rng.pick(['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 14.4', 'X11; Ubuntu; Linux x86_64']);
    return `Mozilla/5.0 (${os}; rv:${v}) Gecko/20100101 Firefox/${v}`;
  }
  if (x < 0.8) {
    const v = rng.pick(SAFARI_VERSIONS);
    return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`;
  }
  if (x < 0.92) {
    const v = rng.pick(SAFARI_VERSIONS);
    return `Mozilla/5.0 (iPhone; CPU iPhone OS ${v.replace(/\./g, '_')} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Mobile/15E148 Safari/604.1`;
  }
  const c = rng.pick(CHROME_VERSIONS);
  return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${c} Safari/537.36 Edg/${c.split('.')[0]}.0.2478.80`;
}

/** A phone's browser (web users on the mobile network). */
export function pickPhoneBrowserUserAgent(rng: Random): string {
  if (rng.chance(0.55)) {
    const v = rng.pick(SAFARI_VERSIONS);
    return `Mozilla/5.0 (iPhone; CPU iPhone OS ${v.replace(/\./g, '_')} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Mobile/15E148 Safari/604.1`;
  }
  const device = rng.pick(['Pixel 8', 'SM-S911B', 'SM-A546B', '2201117TG']);
  return `Mozilla/5.0 (Linux; Android ${rng.pick([12, 13, 14])}; ${device}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${rng.pick(CHROME_VERSIONS)} Mobile Safari/537.36`;
}

/**
 * A campaign's user agents: one (`single`), a small pool it rotates through (`small_pool`, 2–12), or the
 * whole browser mix (`full_mix`).
 */
export interface UserAgentPool {
  readonly mode: 'single' | 'small_pool' | 'full_mix';
  readonly agents: readonly string[];
}

export function drawUserAgentPool(rng: Random): UserAgentPool {
  const x = rng.float();
  if (x < 0.2) return { mode: 'single', agents: [pickUserAgent(rng)] };
  if (x < 0.6) {
    const n = rng.int(2, 12);
    return { mode: 'small_pool', agents: Array.from({ length: n }, () => pickUserAgent(rng)) };
  }
  return { mode: 'full_mix', agents: [] };
}

export function pickFromPool(pool: UserAgentPool, rng: Random): string {
  return pool.mode === 'full_mix' ? pickUserAgent(rng) : rng.pick(pool.agents);
}

/** The bank's own apps. */
export const MOBILE_USER_AGENTS: readonly string[] = [
  'BankApp/5.12.0 (iPhone; iOS 17.4.1; Scale/3.00)',
  'BankApp/5.12.0 (iPhone; iOS 17.5; Scale/3.00)',
  'BankApp/5.11.2 (iPhone; iOS 16.7.7; Scale/2.00)',
  'BankApp/5.12.0 (Android 14; Pixel 8; okhttp/4.12.0)',
  'BankApp/5.12.0 (Android 13; SM-S911B; okhttp/4.12.0)',
  'BankApp/5.11.2 (Android 12; Redmi Note 11; okhttp/4.11.0)',
];

/** Tools attackers and scrapers use when they do not bother to look like a browser. */
export const BOT_USER_AGENTS: readonly string[] = [
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'curl/8.5.0',
  'okhttp/4.9.3',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.91 Safari/537.36',
  'axios/1.6.8',
];

/** SDKs and scripts of the bank's business API customers (benign key holders). */
export const API_CLIENT_USER_AGENTS: readonly string[] = [
  'LedgerlyBooks-Sync/2.8.1 (+https://ledgerly.example/bank-sync)',
  'PayrollPilot/4.2 okhttp/4.12.0',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
  'Java/17.0.10',
  'axios/1.7.2',
  'TreasuryDesk/1.14.0 (python-httpx/0.27.0)',
];

/** Scripts a scraper with an issued key runs (they rarely pretend to be a browser). */
export const SCRIPT_USER_AGENTS: readonly string[] = [
  'python-requests/2.31.0',
  'python-httpx/0.27.0',
  'Go-http-client/2.0',
  'axios/1.6.8',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  'curl/8.5.0',
  'Java/11.0.22',
];

export const CRAWLER_USER_AGENT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
export const MONITOR_USER_AGENTS: readonly string[] = [
  'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)',
];
export const AGGREGATOR_USER_AGENT = 'FinLinkAggregator/3.4 (+https://aggregator.example/bot; licensed-AISP)';
