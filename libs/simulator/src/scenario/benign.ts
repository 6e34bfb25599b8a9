/**
 * Benign traffic: customers' web and mobile visits (with typos and forgotten passwords), and the benign
 * clients that look like attacks to a naive rule — carrier and corporate NAT, the licensed aggregator,
 * uptime monitors, the search crawler, travellers.
 */
import type { CrawlerProfile } from '../bank/profiles';
import { existingProduct } from '../bank/surface';
import { bearerFor, NO_SESSION, type ClientContext, type SessionState } from '../bank/request-builder';
import { drawInt, drawLog, type Random } from '../random';
import { CRAWLER_JA4, ja4ForUserAgent } from '../population/tls-fingerprints';
import {
  AGGREGATOR_USER_AGENT,
  API_CLIENT_USER_AGENTS,
  CRAWLER_USER_AGENT,
  MONITOR_USER_AGENTS,
} from '../population/user-agents';
import { emit, spawn, type ActorScript, type Group } from './actor';
import type { RunContext } from './context';
import { addressAt, addressIn, network, rentableDatacenters } from './networks';
import type { User } from './world';

/** Human think time between two actions, ms. */
export function think(rng: Random, medianMs = 4000): number {
  return Math.min(120_000, Math.max(300, rng.logNormal(medianMs, 0.8)));
}

/** Visits arrive as a Poisson process over the whole run, for users drawn from the population. */
export function* visitArrivals(ctx: RunContext, visitsPerMinute: number): ActorScript {
  const rng = ctx.rng.fork('arrivals');
  const users = ctx.world.users;
  let t = ctx.startMs;
  let n = 0;
  for (;;) {
    t += rng.exp(60_000 / visitsPerMinute);
    if (t >= ctx.endMs) return;
    const user = users[rng.int(0, users.length - 1)]!;
    yield spawn(t, visit(ctx, user, t, ctx.rng.fork(`visit:${n++}`)));
  }
}

/** The trap group a user's requests belong to, by where they connect from. */
function trapOf(ctx: RunContext, user: User, abroad: boolean): Group | null {
  if (abroad) return ctx.traps.traveller;
  if (user.homeNetwork.kind === 'mobile_cgnat') return ctx.traps.carrier_nat;
  if (user.homeNetwork.kind === 'corporate_nat') return ctx.traps.corporate_nat;
  return null;
}

export interface VisitOptions {
  /** Preset session id (a hijacking campaign knows the victim's cookie). */
  readonly sid?: string;
  /** Stay logged in at least this long (ms): the hijacker needs a live session. */
  readonly minDurationMs?: number;
  /** Preset logged-in session (a hijacker replays the victim's exact cookie or token). */
  readonly session?: SessionState;
}

export function* visit(ctx: RunContext, user: User, t0: number, rng: Random, opts: VisitOptions = {}): ActorScript {
  const abroad = user.traveller && rng.chance(0.5);
  let client: ClientContext = ctx.world.homeClient(user, rng);
  const surface = ctx.profile.surface;
  if (abroad) {
    const net = rng.pick(ctx.profile.population.travelNetworks());
    client = { ...client, clientIp: addressIn(net, rng), country: net.country };
  }
  const group = trapOf(ctx, user, abroad);
  const session = opts.session ?? ctx.world.session(user, rng, t0, opts.sid ?? null);
  const web = user.channel === 'web';
  // Before login a web client has its anonymous sid cookie; mobile sends nothing yet.
  const anon: SessionState = web ? { ...session, consumer: null } : NO_SESSION;
  let t = t0;

  if (web) {
    const page = rng.chance(0.6) ? 'web-sign-in' : 'web-home';
    yield emit(ctx.call(rng, t, page, client, anon, { status: 200 }), group);
    const fresh = rng.chance(0.25);
    const referer = `https://${surface.webHost}${surface.endpoint(page).route.template}`;
    for (const asset of surface.staticAssets) {
      if (asset.route.name === 'static-robots') continue;
      t += rng.int(5, 80);
      yield emit(
        ctx.call(rng, t, asset.route.name, client, anon, {
          status: fresh ? 200 : 304,
          referer,
        }),
        group,
      );
    }
    t += think(rng, 6000);
  } else if (rng.chance(ctx.world.params.appTokenRefreshShare)) {
    // The app still holds a refresh token: no password login at all.
    yield emit(ctx.call(rng, t, 'auth-token-refresh', client, session, { status: 200 }), group);
    yield* reads(ctx, rng, user, client, session, t + think(rng, 1500), group, opts.minDurationMs ?? 0);
    return;
  }

  // Password login: typos, and now and then a forgotten password.
  const login = (status: number) =>
    ctx.call(rng, t, 'auth-login', client, web ? anon : NO_SESSION, { status, loginUsername: user.username });
  if (rng.chance(0.02)) {
    for (let i = rng.int(1, 3); i > 0; i--) {
      yield emit(login(401), group);
      t += think(rng, 7000);
    }
    yield emit(
      ctx.call(rng, t, 'auth-password-reset', client, anon, { status: 202, loginUsername: user.username }),
      group,
    );
    t += rng.range(60_000, 240_000);
    yield emit(
      ctx.call(rng, t, 'auth-password-reset-confirm', client, anon, { status: 200, loginUsername: user.username }),
      group,
    );
    t += think(rng, 5000);
  } else {
    while (rng.chance(user.typoRate)) {
      yield emit(login(401), group);
      t += think(rng, 5000);
    }
  }
  yield emit(login(200), group);
  if (rng.chance(ctx.profile.habits.mfaShare)) {
    t += think(rng, 9000);
    yield emit(ctx.call(rng, t, 'auth-mfa-verify', client, anon, { status: 200, loginUsername: user.username }), group);
  }
  t += rng.int(200, 900);
  if (web) {
    yield emit(ctx.call(rng, t, 'web-dashboard', client, session, { status: 200 }), group);
  }
  yield* reads(ctx, rng, user, client, session, t + rng.int(100, 600), group, opts.minDurationMs ?? 0);
}

/** A logged-in user's reads and occasional changes, then maybe logout. */
function* reads(
  ctx: RunContext,
  rng: Random,
  user: User,
  client: ClientContext,
  session: SessionState,
  start: number,
  group: Group | null,
  minDurationMs: number,
): ActorScript {
  let t = start;
  const acct = rng.pick(user.accounts);
  yield emit(ctx.call(rng, t, 'accounts-list', client, session, { status: 200 }), group);
  t += rng.int(50, 400);
  yield emit(ctx.call(rng, t, 'accounts-balances', client, session, { status: 200, ids: [acct] }), group);
  const actions = Math.max(1, Math.round(rng.logNormal(user.actionsMedian, 0.6)));
  const keepAlive = user.channel === 'web' ? ctx.profile.habits.keepAliveMs : null;
  for (let i = 0; i < actions || t - start < minDurationMs; i++) {
    const before = t;
    t += think(rng, user.thinkMedianMs);
    // A single-page app pings its session while the customer reads.
    if (keepAlive !== null)
      for (let at = before + keepAlive; at < t; at += keepAlive)
        yield emit(ctx.call(rng, at, 'session-keepalive', client, session, { status: 200 }), group);
    const x = rng.float();
    if (x < 0.35) {
      yield emit(
        ctx.call(rng, t, 'accounts-transactions', client, session, {
          status: 200,
          ids: [rng.pick(user.accounts)],
          query: `page=${rng.int(1, 3)}&limit=${rng.pick([20, 50])}`,
        }),
        group,
      );
      if (rng.chance(0.4)) {
        t += think(rng, 3000);
        yield emit(ctx.call(rng, t, 'transactions-get', client, session, { status: 200 }), group);
      }
    } else if (x < 0.45) {
      yield emit(ctx.call(rng, t, 'accounts-get', client, session, { status: 200, ids: [acct] }), group);
    } else if (x < 0.55) {
      yield emit(ctx.call(rng, t, 'cards-list', client, session, { status: 200 }), group);
      if (rng.chance(0.3)) {
        t += think(rng, 2000);
        yield emit(ctx.call(rng, t, 'cards-get', client, session, { status: 200, ids: [rng.pick(user.cards)] }), group);
      }
    } else if (x < 0.63) {
      yield emit(ctx.call(rng, t, 'notifications-list', client, session, { status: 200 }), group);
    } else if (x < 0.7) {
      yield emit(ctx.call(rng, t, 'accounts-statements', client, session, { status: 200, ids: [acct] }), group);
      if (rng.chance(0.5)) {
        t += think(rng, 3000);
        yield emit(ctx.call(rng, t, 'statements-download', client, session, { status: 200 }), group);
      }
    } else if (x < 0.76) {
      yield emit(ctx.call(rng, t, 'profile-get', client, session, { status: 200 }), group);
    } else if (x < 0.82) {
      yield emit(ctx.call(rng, t, 'payees-list', client, session, { status: 200 }), group);
      if (rng.chance(0.15)) {
        t += think(rng, 20_000);
        yield emit(ctx.call(rng, t, 'payees-create', client, session, { status: 201 }), group);
      }
    } else if (x < 0.88) {
      yield emit(ctx.call(rng, t, 'payees-list', client, session, { status: 200 }), group);
      t += think(rng, 15_000);
      const name = rng.chance(0.6) ? 'payments-create' : 'transfers-create';
      yield emit(ctx.call(rng, t, name, client, session, { status: rng.chance(0.03) ? 422 : 201 }), group);
      if (rng.chance(0.5)) {
        t += think(rng, 2000);
        yield emit(ctx.call(rng, t, 'payments-get', client, session, { status: 200 }), group);
      }
    } else if (x < 0.9) {
      yield emit(
        ctx.call(rng, t, 'cards-freeze', client, session, { status: 200, ids: [rng.pick(user.cards)] }),
        group,
      );
    } else if (x < 0.92) {
      yield emit(ctx.call(rng, t, 'profile-address-update', client, session, { status: 200 }), group);
    } else if (x < 0.94) {
      yield emit(ctx.call(rng, t, 'fx-rates', client, session, { status: 200 }), group);
    } else if (x < 0.97) {
      yield emit(ctx.call(rng, t, 'products-list', client, session, { status: 200 }), group);
      t += think(rng, 5000);
      yield emit(
        ctx.call(rng, t, 'products-get', client, session, {
          status: 200,
          ids: [existingProduct(rng, ctx.profile.surface.catalog)],
        }),
        group,
      );
    } else {
      yield emit(ctx.call(rng, t, 'auth-token-refresh', client, session, { status: 200 }), group);
    }
  }
  if (rng.chance(0.4)) {
    t += think(rng);
    yield emit(ctx.call(rng, t, 'auth-logout', client, session, { status: 204 }), group);
  }
}

/** Uptime monitors: health and status every 30 or 60 s (the default bank's) from a few fixed addresses. */
export function* monitors(ctx: RunContext): ActorScript {
  const rng = ctx.rng.fork('monitors');
  const shape = ctx.profile.benign.monitors;
  const net = network(shape.org);
  const group = ctx.trap('uptime_monitor', { probes: shape.probes });
  for (let i = 0; i < shape.probes; i++) {
    const period = rng.pick(shape.periodsMs);
    const client: ClientContext = {
      clientIp: addressAt(net, 3 + i * 5),
      proxyIp: null,
      userAgent: MONITOR_USER_AGENTS[i % MONITOR_USER_AGENTS.length]!,
      acceptLanguage: null,
      country: null,
      protocol: 'HTTP/1.1',
      extraCookies: null,
      deviceId: null,
      tlsFingerprint: null,
    };
    yield spawn(ctx.startMs, probe(ctx, rng.fork(`probe${i}`), client, period, group));
  }
}

function* probe(ctx: RunContext, rng: Random, client: ClientContext, period: number, group: Group): ActorScript {
  const targets = ['api-health', 'api-status', 'auth-health'];
  for (let t = ctx.startMs + rng.int(0, period); t < ctx.endMs; t += period + rng.int(-40, 40)) {
    let at = t;
    for (const target of targets) {
      yield emit(ctx.call(rng, at, target, client, NO_SESSION, { status: 200 }), group);
      at += rng.int(5, 30);
    }
  }
}

/**
 * Crawlers from their own ranges, with their own user agents: the profile's (the default bank has one
 * search engine). A search engine reads the web host's pages, robots.txt, sitemap and a few dead links,
 * and the product catalog in id order at a steady rate (retired ids answer 404) — what sequential-id
 * enumeration looks like to a naive rule. A rate-comparison site reads products and their rates in any
 * order, fast, from a cloud range — what rotating catalog scraping looks like.
 */
export function* crawler(ctx: RunContext): ActorScript {
  const shapes = ctx.profile.benign.crawlers;
  for (let k = 0; k < shapes.length; k++) yield* crawlerOf(ctx, shapes[k]!, k === 0 ? 'crawler' : `crawler${k + 1}`);
}

function* crawlerOf(ctx: RunContext, shape: CrawlerProfile, stream: string): ActorScript {
  const rng = ctx.rng.fork(stream);
  const pagesPerSecond = drawLog(rng, shape.pagesPerSecond);
  const catalogPeriodMs = drawLog(rng, shape.catalogPeriodMs);
  const jitter = rng.range(0.02, 0.3);
  const net = network(shape.org);
  const userAgent = shape.userAgent === 'search' ? CRAWLER_USER_AGENT : shape.userAgent;
  const ja4 = shape.userAgent === 'search' ? CRAWLER_JA4 : ja4ForUserAgent(userAgent);
  // Through the CDN (which fingerprints it and adds the country) or to the origin directly.
  const viaCdn = rng.chance(shape.viaCdnShare);
  const clients: ClientContext[] = Array.from({ length: drawInt(rng, shape.ips) }, () => ({
    clientIp: addressIn(net, rng),
    proxyIp: viaCdn ? rng.pick(ctx.world.cdnEdges) : null,
    userAgent,
    acceptLanguage: null,
    country: viaCdn ? net.country : null,
    protocol: 'HTTP/1.1',
    extraCookies: null,
    deviceId: null,
    tlsFingerprint: viaCdn ? ja4 : null,
  }));
  const withRates = shape.order === 'random' || rng.chance(0.5);
  const group = ctx.trap('search_crawler', {
    ...(shape.order === 'random' ? { crawler: 'rate_comparison', order: 'random' } : {}),
    requestsPerSecond: Number(pagesPerSecond.toFixed(3)),
    catalogPeriodMs: Math.round(catalogPeriodMs),
    catalogJitter: Number(jitter.toFixed(3)),
    ips: clients.length,
    withRates,
    viaCdn,
  });
  yield spawn(ctx.startMs, crawlPages(ctx, rng.fork('pages'), clients, pagesPerSecond, group));
  yield spawn(
    ctx.startMs,
    crawlCatalog(ctx, rng.fork('catalog'), clients, catalogPeriodMs, jitter, withRates, shape.order, group),
  );
}

function* crawlPages(
  ctx: RunContext,
  rng: Random,
  clients: readonly ClientContext[],
  rate: number,
  group: Group,
): ActorScript {
  const pages = ['static-robots', 'web-sitemap', 'web-home', 'web-products', 'web-sign-in', 'static-favicon'];
  for (let t = ctx.startMs + rng.int(0, 10_000); t < ctx.endMs; t += rng.exp(1000 / rate)) {
    const client = rng.pick(clients);
    if (rng.chance(0.06)) {
      // An old link: no route knows it, the gateway answers 404.
      yield emit(
        ctx.call(rng, t, 'web-home', client, NO_SESSION, {
          status: 404,
          path: `/offers/${rng.pick(['summer-saver', 'isa-2023', 'bonus-rate'])}`,
          routed: false,
        }),
        group,
      );
    } else {
      yield emit(ctx.call(rng, t, rng.pick(pages), client, NO_SESSION, { status: 200 }), group);
    }
  }
}

/**
 * `ascending`: product ids in increasing order from where the last crawl stopped, a little past the end,
 * then again; `random`: any id, a little past the end too.
 */
function* crawlCatalog(
  ctx: RunContext,
  rng: Random,
  clients: readonly ClientContext[],
  periodMs: number,
  jitter: number,
  withRates: boolean,
  order: CrawlerProfile['order'],
  group: Group,
): ActorScript {
  const catalog = ctx.profile.surface.catalog;
  let id = rng.int(catalog.first, catalog.last);
  const overshoot = rng.int(3, 30);
  let t = ctx.startMs + rng.int(0, 60_000);
  for (;;) {
    t += periodMs * (1 + rng.range(-jitter, jitter));
    if (t >= ctx.endMs) return;
    const client = rng.pick(clients);
    const exists = catalog.exists(id);
    yield emit(ctx.call(rng, t, 'products-get', client, NO_SESSION, { status: exists ? 200 : 404, ids: [id] }), group);
    if (exists && withRates) {
      t += periodMs * rng.range(0.2, 0.6);
      yield emit(ctx.call(rng, t, 'products-rates', client, NO_SESSION, { status: 200, ids: [id] }), group);
    }
    if (order === 'random') id = rng.int(catalog.first, catalog.last + overshoot);
    else id = id >= catalog.last + overshoot ? catalog.first : id + 1;
  }
}

/**
 * A licensed account-information aggregator: from a handful of datacenter addresses it logs in on behalf
 * of thousands of consenting customers (API key + each customer's username), then reads their accounts.
 * A few logins fail (customers changed their password). Benign: an allowlist candidate, never a block.
 */
export function* aggregator(ctx: RunContext): ActorScript {
  const rng = ctx.rng.fork('aggregator');
  const consenting = ctx.world.users.filter((u) => u.aggregatorConsent);
  if (consenting.length === 0) return;
  const syncsPerSecond = rng.range(...ctx.profile.benign.aggregatorSyncsPerSecond) * Math.min(4, ctx.scale);
  const apiKey = `agg_${rng.token(28)}`;
  const group = ctx.trap('aggregator', {
    syncsPerSecond: Number(syncsPerSecond.toFixed(3)),
    consentingUsers: consenting.length,
  });
  const net = network('FinLink Aggregation Ltd (licensed AISP)');
  let n = 0;
  for (let t = ctx.startMs + rng.int(0, 5000); t < ctx.endMs; t += rng.exp(1000 / syncsPerSecond)) {
    const user = consenting[rng.int(0, consenting.length - 1)]!;
    yield spawn(t, aggregatorSync(ctx, rng.fork(`sync${n++}`), user, addressAt(net, rng.int(0, 5)), apiKey, t, group));
  }
}

function* aggregatorSync(
  ctx: RunContext,
  rng: Random,
  user: User,
  ip: string,
  apiKey: string,
  t0: number,
  group: Group,
): ActorScript {
  const client: ClientContext = {
    clientIp: ip,
    proxyIp: null,
    userAgent: AGGREGATOR_USER_AGENT,
    acceptLanguage: null,
    country: null,
    protocol: 'HTTP/1.1',
    extraCookies: null,
    deviceId: null,
    tlsFingerprint: null,
  };
  let t = t0;
  const ok = !rng.chance(0.03);
  yield emit(
    ctx.call(rng, t, 'auth-login', client, NO_SESSION, {
      status: ok ? 200 : 401,
      loginUsername: user.username,
      apiKey,
    }),
    group,
  );
  if (!ok) return;
  const session: SessionState = { ...ctx.world.session(user, rng, t0), sid: null, sessionHeader: null, cookie: null };
  const calls: [string, (string | number)[]][] = [['accounts-list', []]];
  for (const a of user.accounts) calls.push(['accounts-balances', [a]], ['accounts-transactions', [a]]);
  for (const [name, ids] of calls) {
    t += rng.int(30, 250);
    yield emit(
      ctx.call(rng, t, name, client, session, {
        status: 200,
        ids,
        apiKey,
        query: name === 'accounts-transactions' ? 'from=2026-02-01&limit=200' : null,
      }),
      group,
    );
  }
}

/**
 * Business customers and fintech apps with keys the bank issued: each syncs its own accounts from a few
 * cloud addresses on a schedule (lists, balances, transaction pages, FX rates, now and then a batch of
 * payments), with a script's user agent. Benign: an API key with `python-requests` from a datacenter is
 * not an attack by itself.
 */
export function* apiClients(ctx: RunContext): ActorScript {
  const rng = ctx.rng.fork('api-clients');
  const count = drawInt(rng, ctx.profile.benign.apiClients);
  for (let i = 0; i < count; i++) {
    yield spawn(ctx.startMs, apiClient(ctx, rng.fork(`client${i}`), i));
  }
}

/** One key holder (one trap label each, with its drawn shape). */
function* apiClient(ctx: RunContext, rng: Random, index: number): ActorScript {
  const apiKey = `pk_live_${rng.token(32)}`;
  const net = rng.chance(0.5) ? network('Cumulus Cloud') : rng.pick(rentableDatacenters());
  const userAgent = rng.pick(API_CLIENT_USER_AGENTS);
  const viaCdn = rng.chance(0.4);
  const clients: ClientContext[] = Array.from({ length: drawInt(rng, { min: 1, max: 4 }) }, () => ({
    clientIp: addressIn(net, rng),
    proxyIp: viaCdn ? rng.pick(ctx.world.cdnEdges) : null,
    userAgent,
    acceptLanguage: null,
    country: viaCdn ? net.country : null,
    protocol: rng.chance(0.5) ? 'HTTP/2' : 'HTTP/1.1',
    extraCookies: null,
    deviceId: null,
    tlsFingerprint: viaCdn ? ja4ForUserAgent(userAgent) : null,
  }));
  const username = `svc-${rng.pick(['ledgerly', 'payrollpilot', 'treasurydesk', 'acme-books', 'northwind'])}-${index}`;
  const accounts = Array.from({ length: drawInt(rng, { min: 1, max: 25 }) }, () =>
    String(rng.int(10_000_000, 99_999_999)),
  );
  const periodMs = drawLog(rng, { min: 15_000, max: 600_000 });
  const periodJitter = rng.range(0.02, 0.5);
  const paymentShare = rng.range(0, 0.2);
  const group = ctx.trap('api_client', {
    network: net.org,
    ips: clients.length,
    accounts: accounts.length,
    syncPeriodMs: Math.round(periodMs),
    periodJitter: Number(periodJitter.toFixed(3)),
    paymentShare: Number(paymentShare.toFixed(3)),
    viaCdn,
    userAgent,
  });
  const consumer = { id: rng.uuid(), username };
  let t = ctx.startMs + rng.int(0, Math.round(periodMs));
  let issuedAt = -Infinity;
  let session: SessionState = NO_SESSION;
  while (t < ctx.endMs) {
    const client = rng.pick(clients);
    if (t - issuedAt > 900_000) {
      issuedAt = t;
      session = {
        sid: null,
        sessionHeader: null,
        authorization: bearerFor(rng, username, t, ctx.profile.surface.issuer),
        consumer,
        cookie: null,
      };
    }
    const call = (name: string, status: number, ids: (string | number)[] = [], query: string | null = null) =>
      ctx.call(rng, t, name, client, session, { status, ids, apiKey, query });
    yield emit(call('accounts-list', 200), group);
    const subset = rng.shuffle([...accounts]).slice(0, rng.int(1, accounts.length));
    for (const a of subset) {
      t += rng.int(40, 900);
      yield emit(call('accounts-balances', 200, [a]), group);
      if (rng.chance(0.6)) {
        t += rng.int(40, 900);
        const page = rng.int(1, 4);
        yield emit(call('accounts-transactions', 200, [a], `page=${page}&limit=${rng.pick([50, 100, 200])}`), group);
      }
    }
    if (rng.chance(0.3)) {
      t += rng.int(50, 2000);
      yield emit(call(rng.pick(['fx-rates', 'products-list']), 200), group);
    }
    if (rng.chance(paymentShare)) {
      for (let i = rng.int(1, 5); i > 0; i--) {
        t += rng.int(200, 3000);
        yield emit(call('payments-create', rng.chance(0.04) ? 422 : 201), group);
      }
    }
    t += periodMs * (1 + rng.range(-periodJitter, periodJitter));
  }
}
