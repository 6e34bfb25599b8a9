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

export const CRAWLER_USER_AGENT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
export const MONITOR_USER_AGENTS: readonly string[] = [
  'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)',
];
export const AGGREGATOR_USER_AGENT = 'FinLinkAggregator/3.4 (+https://aggregator.example/bot; licensed-AISP)';
