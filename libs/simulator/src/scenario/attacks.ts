/**
 * Attack campaigns. Each draws its parameters from ranges when it starts (so that a model learns the
 * behaviour, not one generator's constants) and records them in its label.
 */
import { NO_SESSION, type ClientContext, type SessionState } from '../bank/request-builder';
import { drawInt, drawLog, type Random } from '../random';
import { BOT_USER_AGENTS, pickUserAgent } from '../population/user-agents';
import { emit, spawn, type ActorScript } from './actor';
import { visit } from './benign';
import type { RunContext } from './context';
import { addressIn, network, NETWORKS, networksOf, type Network } from './networks';
import type { User } from './world';

const FAKE_FIRST = ['mark', 'julia', 'peter', 'nina', 'alex', 'kate', 'sam', 'eva', 'dan', 'lisa', 'max', 'ivy'];
const FAKE_DOMAINS = ['gmail.example', 'yahoo.example', 'hotmail.example', 'mail.example', 'aol.example'];

function attackerClient(ctx: RunContext, rng: Random, net: Network, userAgent: string | null): ClientContext {
  return {
    clientIp: addressIn(net, rng),
    proxyIp: rng.pick(ctx.world.cdnEdges),
    userAgent,
    acceptLanguage: rng.chance(0.5) ? 'en-US,en;q=0.9' : null,
    country: net.country,
    protocol: 'HTTP/1.1',
    extraCookies: null,
    deviceId: null,
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

export type StuffingStyle = 'datacenter_burst' | 'residential_botnet' | 'low_and_slow';

export function* credentialStuffing(ctx: RunContext, rng: Random, style: StuffingStyle, t0: number): ActorScript {
  const runLeft = ctx.endMs - t0;
  let attemptsPerSecond: number;
  let durationMs: number;
  let ipPool = 0;
  let attemptsPerIp = 1;
  if (style === 'datacenter_burst') {
    attemptsPerSecond = drawLog(rng, { min: 3, max: 40 });
    durationMs = drawLog(rng, { min: 60_000, max: 8 * 60_000 });
    ipPool = drawInt(rng, { min: 3, max: 40 });
  } else if (style === 'residential_botnet') {
    attemptsPerSecond = drawLog(rng, { min: 0.8, max: 10 });
    durationMs = drawLog(rng, { min: 5 * 60_000, max: 25 * 60_000 });
    attemptsPerIp = drawInt(rng, { min: 1, max: 5 });
  } else {
    attemptsPerSecond = drawLog(rng, { min: 0.05, max: 0.6 });
    durationMs = runLeft * rng.range(0.6, 1);
  }
  durationMs = Math.min(durationMs, runLeft);
  const existingShare = rng.range(0.04, 0.3);
  const reuseRate = rng.range(0.05, 0.25);
  const uaMode = style === 'datacenter_burst' ? rng.pick(['single_tool', 'rotating_browser']) : 'rotating_browser';
  const preflight = style !== 'datacenter_burst' && rng.chance(0.5);
  const atoShare = rng.range(0.3, 0.9);
  const group = ctx.campaign('credential_stuffing', style, {
    attemptsPerSecond: round(attemptsPerSecond),
    durationMs: Math.round(durationMs),
    ipPool,
    attemptsPerIp,
    existingShare: round(existingShare),
    reuseRate: round(reuseRate),
    userAgents: uaMode,
    preflightPage: preflight,
  });
  const tool = rng.pick(BOT_USER_AGENTS);
  const home: Network =
    style === 'datacenter_burst'
      ? rng.pick(networksOf('datacenter').filter((n) => n.asn < 64800))
      : rng.pick(networksOf('residential'));
  const pool: ClientContext[] = [];
  for (let i = 0; i < ipPool; i++)
    pool.push(attackerClient(ctx, rng, home, uaMode === 'single_tool' ? tool : pickUserAgent(rng)));
  const residential = NETWORKS.filter((n) => n.kind === 'residential');
  let current: ClientContext | null = null;
  let usesLeft = 0;
  let successes = 0;
  const end = t0 + durationMs;
  for (let t = t0; t < end; t += rng.exp(1000 / attemptsPerSecond)) {
    let client: ClientContext;
    if (style === 'datacenter_burst') {
      client = rng.pick(pool);
      if (uaMode === 'rotating_browser') client = { ...client, userAgent: pickUserAgent(rng) };
    } else {
      if (current === null || usesLeft <= 0) {
        current = attackerClient(ctx, rng, rng.pick(residential), pickUserAgent(rng));
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
      if (successes <= 3 && rng.chance(atoShare)) {
        const at = t + drawLog(rng, { min: 60_000, max: 20 * 60_000 });
        // Spawned now, first request later: one actor's steps stay in time order.
        if (at < ctx.endMs) yield spawn(t, accountTakeover(ctx, rng.fork(`ato${successes}`), entry.user, at, group.id));
      }
    }
  }
}

/** After a stuffing success: the fraudster logs in from a new device and place and cashes out. */
export function* accountTakeover(ctx: RunContext, rng: Random, victim: User, t0: number, parent: string): ActorScript {
  const fromDatacenter = rng.chance(0.4);
  const net = fromDatacenter
    ? rng.pick(networksOf('datacenter').filter((n) => n.asn < 64800))
    : rng.pick(NETWORKS.filter((n) => n.kind === 'residential' && n.country !== victim.homeNetwork.country));
  const mobile = rng.chance(0.5);
  const group = ctx.campaign(
    'account_takeover',
    'post_stuffing',
    { fromDatacenter, channel: mobile ? 'mobile' : 'web', changesEmail: true },
    parent,
  );
  const base = attackerClient(
    ctx,
    rng,
    net,
    mobile ? 'BankApp/5.12.0 (Android 11; SM-A515F; okhttp/4.9.3)' : pickUserAgent(rng),
  );
  const client: ClientContext = { ...base, deviceId: mobile ? rng.uuid() : null };
  const user: User = { ...victim, channel: mobile ? 'mobile' : 'web' };
  const session: SessionState = ctx.world.session(user, rng, t0);
  const anon: SessionState = mobile ? NO_SESSION : { ...session, consumer: null };
  let t = t0;
  yield emit(ctx.call(rng, t, 'auth-login', client, anon, { status: 200, loginUsername: victim.username }), group);
  group.compromised.add(victim.username);
  const steps: [string, number, (string | number)[]][] = [
    ['accounts-list', 200, []],
    ['accounts-balances', 200, [victim.accounts[0]!]],
    ['profile-get', 200, []],
    ['profile-email-update', 200, []],
    ['payees-list', 200, []],
    ['payees-create', 201, []],
    [rng.chance(0.5) ? 'transfers-create' : 'payments-create', 201, []],
  ];
  if (rng.chance(0.5)) steps.push(['transfers-create', rng.chance(0.3) ? 422 : 201, []]);
  for (const [name, status, ids] of steps) {
    t += rng.range(1500, 40_000);
    yield emit(ctx.call(rng, t, name, client, session, { status, ids }), group);
  }
}

/** Credential cracking: many passwords against a few accounts, from one to three addresses. */
export function* credentialCracking(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const targets = Array.from({ length: drawInt(rng, { min: 1, max: 4 }) }, () => rng.pick(ctx.world.users));
  const attemptsPerAccount = drawInt(rng, { min: 30, max: 300 });
  const attemptsPerSecond = drawLog(rng, { min: 0.1, max: 2 });
  const net = rng.chance(0.6)
    ? rng.pick(networksOf('datacenter').filter((n) => n.asn < 64800))
    : rng.pick(networksOf('residential'));
  const ips = Array.from({ length: drawInt(rng, { min: 1, max: 3 }) }, () =>
    attackerClient(ctx, rng, net, rng.pick(BOT_USER_AGENTS)),
  );
  const group = ctx.campaign('credential_cracking', 'targeted_accounts', {
    accounts: targets.length,
    attemptsPerAccount,
    attemptsPerSecond: round(attemptsPerSecond),
    ips: ips.length,
  });
  const left = targets.map(() => attemptsPerAccount);
  const cracked = targets.map(() => false);
  let t = t0;
  for (let i = 0; left.some((n) => n > 0); i++) {
    const k = i % targets.length;
    if (left[k]! <= 0) continue;
    left[k]!--;
    t += rng.exp(1000 / attemptsPerSecond);
    if (t >= ctx.endMs) return;
    const success = left[k] === 0 && rng.chance(0.3);
    if (success) {
      cracked[k] = true;
      group.compromised.add(targets[k]!.username);
    }
    yield emit(
      ctx.call(rng, t, 'auth-login', rng.pick(ips), NO_SESSION, {
        status: success ? 200 : left[k]! % 50 === 0 ? 429 : 401,
        loginUsername: targets[k]!.username,
        answeredByGateway: left[k]! % 50 === 0,
      }),
      group,
    );
  }
}

/** Session hijacking: a victim's live web session replayed from another address and browser. */
export function* sessionHijacking(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const webUsers = ctx.world.users.filter((u) => u.channel === 'web');
  const victim = rng.pick(webUsers.length ? webUsers : ctx.world.users);
  const sid = rng.token(32);
  const delay = drawLog(rng, { min: 30_000, max: 6 * 60_000 });
  const group = ctx.campaign('session_hijacking', 'stolen_cookie', {
    delayAfterVictimMs: Math.round(delay),
    sensitiveActions: true,
  });
  const victimUser: User = { ...victim, channel: 'web' };
  yield spawn(t0, visit(ctx, victimUser, t0, rng.fork('victim'), { sid, minDurationMs: delay + 120_000 }));
  const net = rng.pick(NETWORKS.filter((n) => n.kind === 'datacenter' && n.asn < 64800));
  const client = attackerClient(ctx, rng, net, pickUserAgent(rng));
  const session = ctx.world.session(victimUser, rng, t0, sid);
  let t = t0 + delay;
  const steps: [string, number][] = [
    ['accounts-list', 200],
    ['payees-list', 200],
    ['profile-get', 200],
    ['payees-create', 201],
    ['payments-create', 201],
  ];
  if (rng.chance(0.5)) steps.push(['profile-email-update', 200]);
  for (const [name, status] of steps) {
    if (t >= ctx.endMs) return;
    yield emit(ctx.call(rng, t, name, client, session, { status, ids: [victim.accounts[0]!] }), group);
    t += rng.range(800, 20_000);
  }
}

/** Enumeration of sequential ids with a fraudster's own logged-in account: mostly 403 and 404. */
export function* idEnumeration(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const target = rng.pick(['accounts-get', 'cards-get', 'accounts-balances']);
  const count = drawInt(rng, { min: 300, max: 3000 });
  const perSecond = drawLog(rng, { min: 1.5, max: 15 });
  const stride = rng.chance(0.7) ? 1 : drawInt(rng, { min: 2, max: 7 });
  const own = rng.pick(ctx.world.users);
  const net = rng.pick(networksOf('datacenter').filter((n) => n.asn < 64800));
  const client = attackerClient(ctx, rng, net, rng.pick(BOT_USER_AGENTS));
  const session = ctx.world.session({ ...own, channel: 'web' }, rng, t0);
  const group = ctx.campaign('scraping', 'id_enumeration', {
    endpoint: target,
    requests: count,
    requestsPerSecond: round(perSecond),
    stride,
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
    id += stride;
    const status = rng.chance(0.55) ? 404 : 403;
    yield emit(ctx.call(rng, t, target, client, session, { status, ids: [id] }), group);
  }
}

/** Catalog scraping from rotating proxy addresses at machine-regular intervals. */
export function* catalogScraping(ctx: RunContext, rng: Random, t0: number): ActorScript {
  const periodMs = drawLog(rng, { min: 250, max: 3000 });
  const jitter = rng.range(0.005, 0.04);
  const perIp = drawInt(rng, { min: 4, max: 40 });
  const durationMs = Math.min(ctx.endMs - t0, drawLog(rng, { min: 4 * 60_000, max: 30 * 60_000 }));
  const rotateUa = rng.chance(0.5);
  const net = network('Prism Proxy Network');
  const group = ctx.campaign('scraping', 'catalog_rotating', {
    periodMs: Math.round(periodMs),
    jitter: round(jitter),
    requestsPerIp: perIp,
    durationMs: Math.round(durationMs),
    rotatingUserAgent: rotateUa,
  });
  const ua = pickUserAgent(rng);
  let client = attackerClient(ctx, rng, net, ua);
  let product = 1000;
  let used = 0;
  let withRates = false;
  for (let t = t0; t < t0 + durationMs; t += periodMs * (1 + rng.range(-jitter, jitter))) {
    if (used++ >= perIp) {
      client = attackerClient(ctx, rng, net, rotateUa ? pickUserAgent(rng) : ua);
      used = 1;
    }
    const exists = product <= 1400 && product % 7 !== 3;
    if (withRates) {
      yield emit(ctx.call(rng, t, 'products-rates', client, NO_SESSION, { status: 200, ids: [product] }), group);
      withRates = false;
      product++;
    } else {
      yield emit(
        ctx.call(rng, t, 'products-get', client, NO_SESSION, { status: exists ? 200 : 404, ids: [product] }),
        group,
      );
      if (exists) withRates = true;
      else product++;
    }
  }
}

/** Plans the run's campaigns: counts grow with its length; kinds, styles and start times are drawn. */
export function* campaignPlanner(ctx: RunContext): ActorScript {
  const rng = ctx.rng.fork('campaigns');
  const minutes = (ctx.endMs - ctx.startMs) / 60_000;
  const at = (share = 0.75) => ctx.startMs + rng.range(0.02, share) * (ctx.endMs - ctx.startMs);
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
  plan.sort((a, b) => a[0] - b[0]);
  let n = 0;
  for (const [t, make] of plan) yield spawn(t, make(rng.fork(`campaign${n++}`), t));
}

function round(x: number): number {
  return Number(x.toFixed(3));
}
