/**
 * Attack campaigns. Each draws its parameters from wide ranges when it starts (so that a model learns the
 * behaviour, not one generator's constants) and records them in its label.
 *
 * TLS: a campaign that claims browser user agents still speaks TLS through its automation library, so the
 * CDN's JA4 gives it away (`tlsMode` `tool_shared` or `few_tools`) — unless it drives real browsers
 * (`browser_like`, a minority), which no population signature can catch.
 */
import { NO_SESSION, type ClientContext, type SessionState } from '../bank/request-builder';
import { drawInt, drawLog, type Random } from '../random';
import { drawTlsProfile, ja4ForUserAgent, ja4Of, type TlsProfile } from '../population/tls-fingerprints';
import {
  BOT_USER_AGENTS,
  drawUserAgentPool,
  MOBILE_USER_AGENTS,
  pickFromPool,
  pickUserAgent,
  SCRIPT_USER_AGENTS,
  type UserAgentPool,
} from '../population/user-agents';
import { emit, spawn, type ActorScript } from './actor';
import { visit } from './benign';
import type { RunContext } from './context';
import { addressIn, network, NETWORKS, networksOf, rentableDatacenters, type Network } from './networks';
import type { User } from './world';

const FAKE_FIRST = ['mark', 'julia', 'peter', 'nina', 'alex', 'kate', 'sam', 'eva', 'dan', 'lisa', 'max', 'ivy'];
const FAKE_DOMAINS = ['gmail.example', 'yahoo.example', 'hotmail.example', 'mail.example', 'aol.example'];

/** Share of browser-claiming campaigns that drive real browsers (TLS matches the user agent). */
const BROWSER_LIKE_SHARE = 0.2;

/** An attacker's client behind the CDN (which fingerprints its TLS), or direct when `viaCdn` is false. */
function attackerClient(
  ctx: RunContext,
  rng: Random,
  net: Network,
  userAgent: string | null,
  ja4: string,
  viaCdn = true,
): ClientContext {
  return {
    clientIp: addressIn(net, rng),
    proxyIp: viaCdn ? rng.pick(ctx.world.cdnEdges) : null,
    userAgent,
    acceptLanguage: rng.chance(0.5) ? 'en-US,en;q=0.9' : null,
    country: viaCdn ? net.country : null,
    protocol: 'HTTP/1.1',
    extraCookies: null,
    deviceId: null,
    tlsFingerprint: viaCdn ? ja4 : null,
  };
}

/** A client of a browser-claiming fleet: a user agent from its pool, the TLS of its stack. */
function fleetClient(
  ctx: RunContext,
  rng: Random,
  net: Network,
  pool: UserAgentPool,
  tls: TlsProfile,
  viaCdn = true,
): ClientContext {
  const ua = pickFromPool(pool, rng);
  return attackerClient(ctx, rng, net, ua, ja4Of(tls, rng, ua), viaCdn);
}

/** The same worker with another user agent (its TLS library does not change, a real browser's does). */
function withUserAgent(client: ClientContext, tls: TlsProfile, ua: string): ClientContext {
  return {
    ...client,
    userAgent: ua,
    tlsFingerprint:
      client.tlsFingerprint === null ? null : tls.mode === 'browser_like' ? ja4ForUserAgent(ua) : client.tlsFingerprint,
  };
}

function tlsParams(tls: TlsProfile, pool: UserAgentPool | null): Record<string, number | string | boolean> {
  return {
    tlsMode: tls.mode,
    tlsTools: tls.tools.length,
    userAgentPool: pool?.mode ?? 'tool',
    userAgentPoolSize: pool === null ? 1 : pool.mode === 'full_mix' ? 0 : pool.agents.length,
  };
}

/** A leaked combo list: some usernames of real customers (a few with a reused password), most not. */
function comboEntry(ctx: RunContext, rng: Random, existingShare: number): { username: string; user: User | null } {
  if (rng.chance(existingShare)) {
    const user = ctx.world.users[rng.int(0, ctx.world.users.length - 1)]!;
    return { username: user.username, user };
  }
  const username = `${rng.pick(FAKE_FIRST)}${rng.pick(['', '.', '_'])}${rng.pick(FAKE_FIRST)}${rng.int(1, 99999)}@${rng.pick(FAKE_DOMAINS)}`;
  return { username, user: null };
}

const residential = (): Network[] => NETWORKS.filter((n) => n.kind === 'residential');

export type StuffingStyle = 'datacenter_burst' | 'residential_botnet' | 'low_and_slow';

export function* credentialStuffing(ctx: RunContext, rng: Random, style: StuffingStyle, t0: number): ActorScript {
  const runLeft = ctx.endMs - t0;
  let attemptsPerSecond: number;
  let durationMs: number;
  let ipPool = 0;
  let attemptsPerIp = 1;
  if (style === 'datacenter_burst') {
    attemptsPerSecond = drawLog(rng, { min: 1, max: 60 });
    durationMs = drawLog(rng, { min: 60_000, max: 12 * 60_000 });
    ipPool = Math.round(drawLog(rng, { min: 1, max: 120 }));
  } else if (style === 'residential_botnet') {
    attemptsPerSecond = drawLog(rng, { min: 0.3, max: 15 });
    durationMs = drawLog(rng, { min: 4 * 60_000, max: 40 * 60_000 });
    attemptsPerIp = drawInt(rng, { min: 1, max: 8 });
  } else {
    attemptsPerSecond = drawLog(rng, { min: 0.02, max: 1 });
    durationMs = runLeft * rng.range(0.5, 1);
  }
  durationMs = Math.min(durationMs, runLeft);
  const existingShare = rng.range(0.02, 0.4);
  const reuseRate = rng.range(0.02, 0.3);
  const uaMode = style === 'datacenter_burst' && rng.chance(0.5) ? 'single_tool' : 'rotating_browser';
  const preflight = style !== 'datacenter_burst' && rng.chance(0.5);
  const atoShare = rng.range(0.3, 0.9);
  const maxTakeovers = drawInt(rng, { min: 1, max: 5 });
  const tool = rng.pick(BOT_USER_AGENTS);
  const pool = uaMode === 'single_tool' ? null : drawUserAgentPool(rng);
  const tls: TlsProfile =
    pool === null ? { mode: 'tool_shared', tools: [ja4ForUserAgent(tool)] } : drawTlsProfile(rng, BROWSER_LIKE_SHARE);
  const group = ctx.campaign('credential_stuffing', style, {
    attemptsPerSecond: round(attemptsPerSecond),
    durationMs: Math.round(durationMs),
    ipPool,
    attemptsPerIp,
    existingShare: round(existingShare),
    reuseRate: round(reuseRate),
    userAgents: uaMode,
    preflightPage: preflight,
    ...tlsParams(tls, pool),
  });
  const home: Network =
    style === 'datacenter_burst' ? rng.pick(rentableDatacenters()) : rng.pick(networksOf('residential'));
  const clients: ClientContext[] = [];
  for (let i = 0; i < ipPool; i++)
    clients.push(
      pool === null ? attackerClient(ctx, rng, home, tool, tls.tools[0]!) : fleetClient(ctx, rng, home, pool, tls),
    );
  const botnet = residential();
  let current: ClientContext | null = null;
  let usesLeft = 0;
  let successes = 0;
  const end = t0 + durationMs;
  for (let t = t0; t < end; t += rng.exp(1000 / attemptsPerSecond)) {
    let client: ClientContext;
    if (style === 'datacenter_burst') {
      client = rng.pick(clients);
      if (pool !== null && pool.mode !== 'single') client = withUserAgent(client, tls, pickFromPool(pool, rng));
    } else {
      if (current === null || usesLeft <= 0) {
        current = fleetClient(ctx, rng, rng.pick(botnet), pool!, tls);
        usesLeft = style === 'low_and_slow' ? 1 : attemptsPerIp;
        if (preflight) {
          yield emit(ctx.call(rng, t, 'web-sign-in', current, NO_SESSION, { status: 200 }), group);
          t += rng.int(400, 3000);
        }
      }
      client = current;
      usesLeft--;
    }
    const entry = comboEntry(ctx, rng, existingShare);
    const success = entry.user !== null && rng.chance(reuseRate);
    yield emit(
      ctx.call(rng, t, 'auth-login', client, NO_SESSION, {
        status: success ? 200 : 401,
        loginUsername: entry.username,
      }),
      group,
    );
    if (success && entry.user) {
      successes++;
      group.compromised.add(entry.user.username);
      if (successes <= maxTakeovers && rng.chance(atoShare)) {
        const at = t + drawLog(rng, { min: 30_000, max: 90 * 60_000 });
        // Spawned now, first request later: one actor's steps stay in time order.
        if (at < ctx.endMs) yield spawn(t, accountTakeover(ctx, rng.fork(`ato${successes}`), entry.user, at, group.id));
      }
    }
  }
}

type Origin = 'datacenter' | 'foreign_residential' | 'domestic_residential' | 'victim_isp';

/** Where a fraudster connects from, relative to the victim's home. */
function originNetwork(rng: Random, origin: Origin, victim: User): Network {
  const home = victim.homeNetwork;
  if (origin === 'datacenter') return rng.pick(rentableDatacenters());
  if (origin === 'victim_isp' && home.kind === 'residential') return home;
  const domestic = networksOf('residential', home.country);
  if (origin !== 'foreign_residential' && domestic.length > 0) return rng.pick(domestic);
  return rng.pick(residential().filter((n) => n.country !== home.country));
}

/**
 * After a stuffing success: the fraudster logs in, looks around and cashes out. Where from (a datacenter,
 * abroad, the victim's own country or ISP), which channel and user agent, whether the e-mail is changed
 * first, how many steps and how fast: all drawn, so a takeover is not one fixed script.
 */
export function* accountTakeover(ctx: RunContext, rng: Random, victim: User, t0: number, parent: string): ActorScript {
  const origin = rng.weighted<Origin>(
    ['datacenter', 'foreign_residential', 'domestic_residential', 'victim_isp'],
    [0.3, 0.25, 0.3, 0.15],
  );
  const net = originNetwork(rng, origin, victim);
  const mobile = rng.chance(0.45);
  const sameChannel = (victim.channel === 'mobile') === mobile;
  const uaMode = rng.weighted(['random', 'victim_copy', 'tool'], [0.5, sameChannel ? 0.3 : 0, 0.2]);
  const ua =
    uaMode === 'victim_copy'
      ? victim.userAgent
      : uaMode === 'tool'
        ? rng.pick(BOT_USER_AGENTS)
        : mobile
          ? rng.pick([...MOBILE_USER_AGENTS, 'BankApp/5.12.0 (Android 11; SM-A515F; okhttp/4.9.3)'])
          : pickUserAgent(rng);
  const tls =
    uaMode === 'tool' ? { mode: 'tool_shared' as const, tools: [ja4ForUserAgent(ua)] } : drawTlsProfile(rng, 0.6);
  const changesEmail = rng.chance(0.55);
  const mfa = rng.chance(0.25);
  const stepMedianMs = drawLog(rng, { min: 1000, max: 30_000 });
  const recon = rng
    .shuffle([
      'accounts-list',
      'accounts-balances',
      'accounts-transactions',
      'profile-get',
      'cards-list',
      'notifications-list',
    ])
    .slice(0, rng.int(1, 5));
  const cashOuts = rng.int(0, 4);
  const steps: [string, number][] = recon.map((n) => [n, 200]);
  if (changesEmail) steps.push(['profile-email-update', 200]);
  if (rng.chance(0.2)) steps.push(['profile-address-update', 200]);
  if (rng.chance(0.2)) steps.push(['statements-download', 200]);
  const newPayee = cashOuts > 0 && rng.chance(0.8);
  if (newPayee) steps.push(['payees-list', 200], ['payees-create', 201]);
  for (let i = 0; i < cashOuts; i++)
    steps.push([rng.chance(0.5) ? 'transfers-create' : 'payments-create', rng.chance(0.15) ? 422 : 201]);
  const group = ctx.campaign(
    'account_takeover',
    'post_stuffing',
    {
      origin,
      fromDatacenter: origin === 'datacenter',
      channel: mobile ? 'mobile' : 'web',
      userAgentMode: uaMode,
      tlsMode: tls.mode,
      changesEmail,
      mfa,
      steps: steps.length + 1,
      cashOuts,
      stepMedianMs: Math.round(stepMedianMs),
      delayAfterCompromiseMs: Math.round(t0 - ctx.startMs),
    },
    parent,
  );
  const base = attackerClient(ctx, rng, net, ua, ja4Of(tls, rng, ua));
  const client: ClientContext = { ...base, deviceId: mobile ? rng.uuid() : null };
  const user: User = { ...victim, channel: mobile ? 'mobile' : 'web' };
  const session: SessionState = ctx.world.session(user, rng, t0);
  const anon: SessionState = mobile ? NO_SESSION : { ...session, consumer: null };
  let t = t0;
  yield emit(ctx.call(rng, t, 'auth-login', client, anon, { status: 200, loginUsername: victim.username }), group);
  group.compromised.add(victim.username);
  if (mfa) {
    t += rng.range(8_000, 60_000);
    yield emit(
      ctx.call(rng, t, 'auth-mfa-verify', client, anon, { status: 200, loginUsername: victim.username }),
      group,
    );
  }
  for (const [name, status] of steps) {
    t += Math.max(300, rng.logNormal(stepMedianMs, 0.7));
    const ids = name.startsWith('accounts-') && name !== 'accounts-list' ? [rng.pick(victim.accounts)] : [];
    yield emit(ctx.call(rng, t, name, client, session, { status, ids }), group);
  }
}

/** Credential cracking: many passwords against a few accounts, from one to a handful of addresses. */
export function* credentialCracking(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const targets = Array.from({ length: drawInt(rng, { min: 1, max: 8 }) }, () => rng.pick(ctx.world.users));
  const attemptsPerAccount = Math.round(drawLog(rng, { min: 15, max: 500 }));
  const attemptsPerSecond = drawLog(rng, { min: 0.05, max: 3 });
  const limitEvery = drawInt(rng, { min: 20, max: 100 });
  const net = rng.chance(0.6) ? rng.pick(rentableDatacenters()) : rng.pick(networksOf('residential'));
  const browser = rng.chance(0.35);
  const pool = browser ? drawUserAgentPool(rng) : null;
  const tls: TlsProfile = browser ? drawTlsProfile(rng, BROWSER_LIKE_SHARE) : { mode: 'tool_shared', tools: [] };
  const ips = Array.from({ length: drawInt(rng, { min: 1, max: 6 }) }, () => {
    if (pool !== null) return fleetClient(ctx, rng, net, pool, tls);
    const ua = rng.pick(BOT_USER_AGENTS);
    return attackerClient(ctx, rng, net, ua, ja4ForUserAgent(ua));
  });
  const group = ctx.campaign('credential_cracking', 'targeted_accounts', {
    accounts: targets.length,
    attemptsPerAccount,
    attemptsPerSecond: round(attemptsPerSecond),
    ips: ips.length,
    rateLimitedEvery: limitEvery,
    ...tlsParams(tls, pool),
  });
  const left = targets.map(() => attemptsPerAccount);
  let t = t0;
  for (let i = 0; left.some((n) => n > 0); i++) {
    const k = i % targets.length;
    if (left[k]! <= 0) continue;
    left[k]!--;
    t += rng.exp(1000 / attemptsPerSecond);
    if (t >= ctx.endMs) return;
    const success = left[k] === 0 && rng.chance(0.3);
    if (success) group.compromised.add(targets[k]!.username);
    const limited = left[k]! % limitEvery === 0 && !success;
    yield emit(
      ctx.call(rng, t, 'auth-login', rng.pick(ips), NO_SESSION, {
        status: success ? 200 : limited ? 429 : 401,
        loginUsername: targets[k]!.username,
        answeredByGateway: limited,
      }),
      group,
    );
  }
}

type HijackAction = readonly [name: string, status: number, kind: 'read' | 'change'];

const HIJACK_READS: readonly HijackAction[] = [
  ['accounts-list', 200, 'read'],
  ['accounts-balances', 200, 'read'],
  ['accounts-transactions', 200, 'read'],
  ['accounts-statements', 200, 'read'],
  ['statements-download', 200, 'read'],
  ['profile-get', 200, 'read'],
  ['cards-list', 200, 'read'],
  ['payees-list', 200, 'read'],
];
const HIJACK_CHANGES: readonly HijackAction[] = [
  ['payees-create', 201, 'change'],
  ['payments-create', 201, 'change'],
  ['transfers-create', 201, 'change'],
  ['profile-email-update', 200, 'change'],
  ['profile-address-update', 200, 'change'],
];

/**
 * Session hijacking: a victim's live session (web `sid` cookie, or the app's `x-session-id` and bearer
 * token) replayed from elsewhere — a datacenter or a residential address, with a browser of its own or the
 * victim's exact user agent — for a drawn number of reads and changes.
 */
export function* sessionHijacking(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const mobile = rng.chance(0.35);
  const candidates = ctx.world.users.filter((u) => u.channel === (mobile ? 'mobile' : 'web'));
  const victim = rng.pick(candidates.length ? candidates : ctx.world.users);
  const victimUser: User = { ...victim, channel: mobile ? 'mobile' : 'web' };
  const delay = drawLog(rng, { min: 20_000, max: 20 * 60_000 });
  const origin = rng.weighted<Origin>(['datacenter', 'foreign_residential', 'domestic_residential'], [0.45, 0.25, 0.3]);
  const copiesUserAgent = rng.chance(0.4);
  const intent = rng.weighted(['exfiltration', 'fraud', 'mixed'], [0.3, 0.35, 0.35]);
  const actions = drawInt(rng, { min: 2, max: 10 });
  const stepMedianMs = drawLog(rng, { min: 500, max: 20_000 });
  const deviceMode = mobile ? rng.weighted(['copied', 'new', 'none'], [0.5, 0.3, 0.2]) : 'none';
  const ua = copiesUserAgent ? victim.userAgent : mobile ? rng.pick(MOBILE_USER_AGENTS) : pickUserAgent(rng);
  const tls = drawTlsProfile(rng, 0.5);
  const group = ctx.campaign('session_hijacking', 'stolen_cookie', {
    delayAfterVictimMs: Math.round(delay),
    sensitiveActions: intent !== 'exfiltration',
    channel: mobile ? 'mobile' : 'web',
    origin,
    copiesUserAgent,
    intent,
    actions,
    stepMedianMs: Math.round(stepMedianMs),
    device: deviceMode,
    tlsMode: tls.mode,
  });
  const session = ctx.world.session(victimUser, rng, t0);
  yield spawn(t0, visit(ctx, victimUser, t0, rng.fork('victim'), { session, minDurationMs: delay + 120_000 }));
  const net = originNetwork(rng, origin, victim);
  const base = attackerClient(ctx, rng, net, ua, ja4Of(tls, rng, ua));
  const client: ClientContext = {
    ...base,
    deviceId: deviceMode === 'copied' ? victim.deviceId : deviceMode === 'new' ? rng.uuid() : null,
  };
  const menu =
    intent === 'exfiltration'
      ? HIJACK_READS
      : intent === 'fraud'
        ? HIJACK_CHANGES
        : [...HIJACK_READS, ...HIJACK_CHANGES];
  // A fraud run still looks before it moves money.
  const steps: HijackAction[] = intent === 'fraud' ? [HIJACK_READS[0]!] : [];
  while (steps.length < actions) steps.push(rng.pick(menu));
  let t = t0 + delay;
  for (const [name, status] of steps) {
    if (t >= ctx.endMs) return;
    const ids = name.startsWith('accounts-') && name !== 'accounts-list' ? [rng.pick(victim.accounts)] : [];
    yield emit(ctx.call(rng, t, name, client, session, { status, ids }), group);
    t += Math.max(200, rng.logNormal(stepMedianMs, 0.8));
  }
}

/** Enumeration of sequential ids with a fraudster's own logged-in account: mostly 403 and 404. */
export function* idEnumeration(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const target = rng.pick(['accounts-get', 'cards-get', 'accounts-balances']);
  const count = Math.round(drawLog(rng, { min: 150, max: 5000 }));
  const perSecond = drawLog(rng, { min: 0.5, max: 25 });
  const stride = rng.chance(0.6) ? 1 : drawInt(rng, { min: 2, max: 20 });
  const gaps = rng.chance(0.2);
  const notFoundShare = rng.range(0.3, 0.8);
  const own = rng.pick(ctx.world.users);
  const net = rng.pick(rentableDatacenters());
  const ua = rng.chance(0.7) ? rng.pick(BOT_USER_AGENTS) : pickUserAgent(rng);
  const tls: TlsProfile =
    ua.startsWith('Mozilla/5.0 (') && !ua.includes('Headless')
      ? drawTlsProfile(rng, BROWSER_LIKE_SHARE)
      : { mode: 'tool_shared', tools: [ja4ForUserAgent(ua)] };
  const client = attackerClient(ctx, rng, net, ua, ja4Of(tls, rng, ua));
  const session = ctx.world.session({ ...own, channel: 'web' }, rng, t0);
  const group = ctx.campaign('scraping', 'id_enumeration', {
    endpoint: target,
    requests: count,
    requestsPerSecond: round(perSecond),
    stride,
    randomGaps: gaps,
    notFoundShare: round(notFoundShare),
    tlsMode: tls.mode,
  });
  let t = t0;
  yield emit(
    ctx.call(
      rng,
      t,
      'auth-login',
      client,
      { ...session, consumer: null },
      { status: 200, loginUsername: own.username },
    ),
    group,
  );
  let id = target === 'cards-get' ? rng.int(100_000, 900_000) : rng.int(10_000_000, 90_000_000);
  for (let i = 0; i < count; i++) {
    t += rng.exp(1000 / perSecond);
    if (t >= ctx.endMs) return;
    id += gaps ? rng.int(1, 2 * stride) : stride;
    const status = rng.chance(notFoundShare) ? 404 : 403;
    yield emit(ctx.call(rng, t, target, client, session, { status, ids: [id] }), group);
  }
}

/** Catalog scraping from rotating proxy addresses at machine-regular intervals. */
export function* catalogScraping(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const periodMs = drawLog(rng, { min: 100, max: 6000 });
  const jitter = rng.range(0.002, 0.08);
  const perIp = Math.round(drawLog(rng, { min: 2, max: 80 }));
  const durationMs = Math.min(ctx.endMs - t0, drawLog(rng, { min: 3 * 60_000, max: 45 * 60_000 }));
  const pool = drawUserAgentPool(rng);
  const rotateUa = pool.mode !== 'single' && rng.chance(0.5);
  const tls = drawTlsProfile(rng, BROWSER_LIKE_SHARE);
  const residentialProxies = rng.chance(0.35);
  const withRates = rng.chance(0.7);
  const group = ctx.campaign('scraping', 'catalog_rotating', {
    periodMs: Math.round(periodMs),
    jitter: round(jitter),
    requestsPerIp: perIp,
    durationMs: Math.round(durationMs),
    rotatingUserAgent: rotateUa,
    proxies: residentialProxies ? 'residential' : 'datacenter',
    withRates,
    ...tlsParams(tls, pool),
  });
  const proxyNet = network('Prism Proxy Network');
  const nextNet = () => (residentialProxies ? rng.pick(residential()) : proxyNet);
  const first = fleetClient(ctx, rng, nextNet(), pool, tls);
  let client = first;
  const catalog = ctx.profile.surface.catalog;
  let product = rng.chance(0.6) ? catalog.first : rng.int(catalog.first, catalog.last);
  let used = 0;
  let rates = false;
  for (let t = t0; t < t0 + durationMs; t += periodMs * (1 + rng.range(-jitter, jitter))) {
    if (used++ >= perIp) {
      const next = fleetClient(ctx, rng, nextNet(), pool, tls);
      client = rotateUa ? next : withUserAgent(next, tls, first.userAgent!);
      used = 1;
    }
    const exists = catalog.exists(product);
    if (rates) {
      yield emit(ctx.call(rng, t, 'products-rates', client, NO_SESSION, { status: 200, ids: [product] }), group);
      rates = false;
      product++;
    } else {
      yield emit(
        ctx.call(rng, t, 'products-get', client, NO_SESSION, { status: exists ? 200 : 404, ids: [product] }),
        group,
      );
      if (exists && withRates) rates = true;
      else product++;
    }
    if (product > catalog.last + 20) product = catalog.first;
  }
}

type FleetTarget = 'catalog' | 'rates' | 'account_info';

/**
 * Scraping with an issued (free-tier) API key shared by a fleet: 10–200 addresses, each a few requests,
 * together reading the catalog, the rates or account information broadly, at a machine-regular pace. The
 * key is what ties the fleet together; no address stands out on its own.
 */
export function* apiKeyFleet(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const apiKey = `fk_free_${rng.token(28)}`;
  const fleetSize = Math.round(drawLog(rng, { min: 10, max: 200 }));
  const requestsPerIp = drawInt(rng, { min: 2, max: 12 });
  const residentialFleet = rng.chance(0.5);
  // Every address gets its turn early in the campaign: a round lasts at most ten minutes.
  const periodMs = Math.min(drawLog(rng, { min: 150, max: 5000 }), 600_000 / fleetSize);
  const jitter = rng.range(0.005, 0.1);
  const target = rng.weighted<FleetTarget>(['catalog', 'rates', 'account_info'], [0.45, 0.3, 0.25]);
  const order = rng.chance(0.6) ? 'sequential' : 'shuffled';
  const viaCdn = rng.chance(0.8);
  const scripted = rng.chance(0.7);
  const pool = scripted ? null : drawUserAgentPool(rng);
  const scriptUa = rng.pick(SCRIPT_USER_AGENTS);
  const tls: TlsProfile = scripted
    ? { mode: 'tool_shared', tools: [ja4ForUserAgent(scriptUa)] }
    : drawTlsProfile(rng, BROWSER_LIKE_SHARE);
  const nets = residentialFleet
    ? rng.shuffle(residential()).slice(0, rng.int(2, 6))
    : rng.shuffle(rentableDatacenters()).slice(0, rng.int(1, 3));
  const fleet: ClientContext[] = Array.from({ length: fleetSize }, () => {
    const net = rng.pick(nets);
    return pool === null
      ? attackerClient(ctx, rng, net, scriptUa, tls.tools[0]!, viaCdn)
      : fleetClient(ctx, rng, net, pool, tls, viaCdn);
  });
  const group = ctx.campaign('scraping', 'api_key_fleet', {
    fleetSize,
    requestsPerIp,
    periodMs: Math.round(periodMs),
    jitter: round(jitter),
    target,
    order,
    fleet: residentialFleet ? 'residential' : 'datacenter',
    viaCdn,
    ...tlsParams(tls, pool),
  });
  const catalog = ctx.profile.surface.catalog;
  let product = catalog.first;
  let account = rng.int(10_000_000, 90_000_000);
  const currencies = ['EUR', 'USD', 'JPY', 'CHF', 'PLN', 'SEK', 'NOK', 'CAD', 'AUD', 'CZK'];
  let t = t0;
  for (let round = 0; round < requestsPerIp; round++) {
    for (const client of rng.shuffle([...fleet])) {
      t += periodMs * (1 + rng.range(-jitter, jitter));
      if (t >= ctx.endMs) return;
      const opts = { apiKey };
      if (target === 'catalog' || (target === 'rates' && rng.chance(0.5))) {
        const id = order === 'sequential' ? product++ : rng.int(catalog.first, catalog.last + 20);
        if (product > catalog.last + 20) product = catalog.first;
        const name = target === 'rates' ? 'products-rates' : 'products-get';
        yield emit(
          ctx.call(rng, t, name, client, NO_SESSION, { ...opts, status: catalog.exists(id) ? 200 : 404, ids: [id] }),
          group,
        );
      } else if (target === 'rates') {
        const query = `base=GBP&symbols=${rng.pick(currencies)}&date=2026-0${rng.int(1, 3)}-${String(rng.int(1, 28)).padStart(2, '0')}`;
        yield emit(ctx.call(rng, t, 'fx-rates', client, NO_SESSION, { ...opts, status: 200, query }), group);
      } else {
        account += order === 'sequential' ? 1 : rng.int(1, 40);
        const status = rng.weighted([200, 403, 404], [0.05, 0.5, 0.45]);
        const name = rng.chance(0.5) ? 'accounts-get' : 'accounts-balances';
        yield emit(ctx.call(rng, t, name, client, NO_SESSION, { ...opts, status, ids: [account] }), group);
      }
    }
  }
}

/**
 * Plans the run's campaigns: counts grow with its length; kinds, styles and start times are drawn. A run
 * longer than two hours is planned an hour at a time (each hour its own draws), so that campaigns start
 * all through a long history rather than in its first three quarters; shorter runs are planned whole,
 * as they always were.
 */
export function* campaignPlanner(ctx: RunContext): ActorScript {
  const span = ctx.endMs - ctx.startMs;
  if (span <= 2 * 3_600_000) {
    yield* planCampaigns(ctx, ctx.rng.fork('campaigns'), ctx.startMs, ctx.endMs, 'campaign');
    return;
  }
  for (let k = 0, from = ctx.startMs; from < ctx.endMs; k++, from += 3_600_000) {
    const to = Math.min(ctx.endMs, from + 3_600_000);
    // A last sliver of an hour gets no campaigns of its own.
    if (to - from < 20 * 60_000) break;
    yield* planCampaigns(ctx, ctx.rng.fork(`campaigns:hour${k}`), from, to, `hour${k}:campaign`);
  }
}

function* planCampaigns(ctx: RunContext, rng: Random, startMs: number, endMs: number, label: string): ActorScript {
  // Campaign counts grow with the span's length and the bank's exposure (attackRate).
  const minutes = ((endMs - startMs) / 60_000) * ctx.attackRate;
  const at = (share = 0.75) => startMs + rng.range(0.02, share) * (endMs - startMs);
  const plan: [number, (r: Random, t: number) => ActorScript][] = [];
  const styles: StuffingStyle[] = rng.shuffle(['datacenter_burst', 'residential_botnet', 'low_and_slow']);
  const stuffing = Math.max(3, Math.round(minutes / 20));
  for (let i = 0; i < stuffing; i++) {
    const style = styles[i % 3]!;
    plan.push([style === 'low_and_slow' ? at(0.2) : at(), (r, t) => credentialStuffing(ctx, r, style, t)]);
  }
  for (let i = 0; i < Math.max(1, Math.round(minutes / 60)); i++)
    plan.push([at(), (r, t) => credentialCracking(ctx, r, t)]);
  for (let i = 0; i < Math.max(1, Math.round(minutes / 30)); i++)
    plan.push([at(0.6), (r, t) => sessionHijacking(ctx, r, t)]);
  for (let i = 0; i < Math.max(1, Math.round(minutes / 45)); i++) plan.push([at(), (r, t) => idEnumeration(ctx, r, t)]);
  for (let i = 0; i < Math.max(1, Math.round(minutes / 45)); i++)
    plan.push([at(0.6), (r, t) => catalogScraping(ctx, r, t)]);
  for (let i = 0; i < Math.max(1, Math.round(minutes / 45)); i++)
    plan.push([at(0.6), (r, t) => apiKeyFleet(ctx, r, t)]);
  plan.sort((a, b) => a[0] - b[0]);
  let n = 0;
  for (const [t, make] of plan) yield spawn(t, make(rng.fork(`${label}${n++}`), t));
}

function round(x: number): number {
  return Number(x.toFixed(3));
}
