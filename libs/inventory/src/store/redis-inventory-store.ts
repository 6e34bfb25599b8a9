/**
 * The inventory in Redis, for the services: every `apply` is ONE pipelined round trip (HINCRBY through a
 * small Lua command per endpoint, PFADD for distinct clients, ZADD GT/LT for last/first seen, and a Lua
 * merge per folded endpoint). All keys share one hash tag, `{vigil:inv}`: the inventory is bounded
 * (hosts × templates.maxPerHost), so one Redis Cluster slot holds it and a batch's pipeline never spans
 * slots.
 *
 * Layout (P = `{vigil:inv}` by default):
 *   P:hosts                  SET   hosts seen
 *   P:promotions             HASH  `host template` → Promotion JSON (the evidence of each free slot)
 *   P:h:HOST:last / :first   ZSET  endpoint key → last / first seen (ms)
 *   P:h:HOST:e:KEY           HASH  counter fields (see inventory-store.ts)
 *   P:h:HOST:u:KEY           HLL   client addresses
 *   P:h:HOST:ot / :os        HLL / SET  overflowed templates: counted / sampled
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { endpointKey, OVERFLOW_KEY, parseEndpointKey } from '../endpoint-key';
import type { Promotion } from '../templating/template-resolver';
import {
  compareRecords,
  isEmptyDelta,
  type EndpointRecord,
  type InventoryDelta,
  type InventorySnapshot,
  type InventoryStore,
  type OverflowRecord,
} from './inventory-store';

const ADD_LUA = `
for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;

// KEYS: src hash, dst hash, src hll, dst hll, last zset, first zset; ARGV: src member, dst member.
const MERGE_LUA = `
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do redis.call('HINCRBY', KEYS[2], fields[i], fields[i + 1]) end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PFMERGE', KEYS[4], KEYS[3]) end
local last = redis.call('ZSCORE', KEYS[5], ARGV[1])
if last then redis.call('ZADD', KEYS[5], 'GT', last, ARGV[2]) end
local first = redis.call('ZSCORE', KEYS[6], ARGV[1])
if first then redis.call('ZADD', KEYS[6], 'LT', first, ARGV[2]) end
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[3])
return 1`;

interface InventoryCommands {
  vigilInventoryAdd(key: string, ...fieldsAndIncrements: (string | number)[]): ChainableCommander;
  vigilInventoryMerge(...keysAndArgs: string[]): ChainableCommander;
}

export interface RedisInventoryStoreOptions {
  /** Wrapped in braces as the hash tag; default `vigil:inv`. */
  readonly keyPrefix?: string;
  /** Quit the connection on close (default false: the caller owns it). */
  readonly ownsConnection?: boolean;
}

export class RedisInventoryStore implements InventoryStore {
  private readonly p: string;
  private trips = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisInventoryStoreOptions = {},
  ) {
    this.p = `{${options.keyPrefix ?? 'vigil:inv'}}`;
    if (!('vigilInventoryAdd' in redis)) {
      redis.defineCommand('vigilInventoryAdd', { numberOfKeys: 1, lua: ADD_LUA });
      redis.defineCommand('vigilInventoryMerge', { numberOfKeys: 6, lua: MERGE_LUA });
    }
  }

  /** Round trips made so far (each `apply` is one; a snapshot is three). */
  get roundTrips(): number {
    return this.trips;
  }

  async apply(delta: InventoryDelta): Promise<void> {
    if (isEmptyDelta(delta)) return;
    const pipe = this.redis.pipeline();
    const cmd = pipe as unknown as InventoryCommands;
    const hosts = new Set<string>();
    for (const d of delta.endpoints) {
      hosts.add(d.host);
      const key = endpointKey(d.method, d.template);
      const args: (string | number)[] = [];
      for (const [field, n] of d.counters) args.push(field, n);
      if (args.length) cmd.vigilInventoryAdd(this.k(d.host, 'e', key), ...args);
      if (d.clients.length) pipe.pfadd(this.k(d.host, 'u', key), ...d.clients);
      if (Number.isFinite(d.lastSeen)) pipe.zadd(this.k(d.host, 'last'), 'GT', d.lastSeen, key);
      if (Number.isFinite(d.firstSeen)) pipe.zadd(this.k(d.host, 'first'), 'LT', d.firstSeen, key);
    }
    for (const o of delta.overflow) {
      hosts.add(o.host);
      if (o.templates.length) pipe.pfadd(this.k(o.host, 'ot'), ...o.templates);
      if (o.samples.length) pipe.sadd(this.k(o.host, 'os'), ...o.samples);
    }
    for (const m of delta.merges) {
      const pr = m.promotion;
      pipe.hsetnx(`${this.p}:promotions`, `${pr.host} ${pr.template}`, JSON.stringify(pr));
      for (const from of m.from) {
        const to = endpointKey(parseEndpointKey(from).method, pr.template);
        cmd.vigilInventoryMerge(
          this.k(pr.host, 'e', from),
          this.k(pr.host, 'e', to),
          this.k(pr.host, 'u', from),
          this.k(pr.host, 'u', to),
          this.k(pr.host, 'last'),
          this.k(pr.host, 'first'),
          from,
          to,
        );
      }
    }
    if (hosts.size) pipe.sadd(`${this.p}:hosts`, ...hosts);
    await this.exec(pipe);
  }

  async snapshot(): Promise<InventorySnapshot> {
    const [hostsReply, promotionsReply] = await this.exec(
      this.redis.pipeline().smembers(`${this.p}:hosts`).hgetall(`${this.p}:promotions`),
    );
    const hosts = (hostsReply as string[]).sort();
    const promotions = Object.values(promotionsReply as Record<string, string>)
      .map((json) => JSON.parse(json) as Promotion)
      .sort((a, b) => (a.host === b.host ? (a.template < b.template ? -1 : 1) : a.host < b.host ? -1 : 1));
    if (!hosts.length) return { endpoints: [], overflow: [], promotions };

    const perHost = this.redis.pipeline();
    for (const h of hosts) {
      perHost
        .zrange(this.k(h, 'last'), 0, -1, 'WITHSCORES')
        .zrange(this.k(h, 'first'), 0, -1, 'WITHSCORES')
        .pfcount(this.k(h, 'ot'))
        .smembers(this.k(h, 'os'));
    }
    const hostReplies = await this.exec(perHost);
    const keys: { host: string; key: string; first: number; last: number }[] = [];
    const overflowInfo = new Map<string, { distinctTemplates: number; samples: string[] }>();
    hosts.forEach((host, i) => {
      const last = hostReplies[i * 4] as string[];
      const first = scoresOf(hostReplies[i * 4 + 1] as string[]);
      overflowInfo.set(host, {
        distinctTemplates: hostReplies[i * 4 + 2] as number,
        samples: (hostReplies[i * 4 + 3] as string[]).sort(),
      });
      for (let j = 0; j < last.length; j += 2) {
        const key = last[j]!;
        keys.push({ host, key, last: Number(last[j + 1]), first: first.get(key) ?? Number(last[j + 1]) });
      }
    });

    const perEndpoint = this.redis.pipeline();
    for (const k of keys) perEndpoint.hgetall(this.k(k.host, 'e', k.key)).pfcount(this.k(k.host, 'u', k.key));
    const epReplies = await this.exec(perEndpoint);
    const endpoints: EndpointRecord[] = [];
    const overflow: OverflowRecord[] = [];
    keys.forEach((k, i) => {
      const raw = epReplies[i * 2] as Record<string, string>;
      const counters: Record<string, number> = {};
      for (const [f, v] of Object.entries(raw)) counters[f] = Number(v);
      const { method, template } = parseEndpointKey(k.key);
      const record: EndpointRecord = {
        host: k.host,
        method,
        template,
        firstSeen: k.first,
        lastSeen: k.last,
        counters,
        distinctClients: epReplies[i * 2 + 1] as number,
      };
      if (k.key === OVERFLOW_KEY) overflow.push({ ...record, ...overflowInfo.get(k.host)! });
      else endpoints.push(record);
    });
    endpoints.sort(compareRecords);
    overflow.sort(compareRecords);
    return { endpoints, overflow, promotions };
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection) await this.redis.quit();
  }

  private k(host: string, kind: string, endpoint?: string): string {
    return endpoint === undefined ? `${this.p}:h:${host}:${kind}` : `${this.p}:h:${host}:${kind}:${endpoint}`;
  }

  /** One round trip; a failed command fails the whole call (never swallowed). */
  private async exec(pipe: ChainableCommander): Promise<unknown[]> {
    this.trips++;
    const replies = (await pipe.exec()) ?? [];
    const out: unknown[] = [];
    for (const [err, value] of replies) {
      if (err) throw new Error(`redis inventory store: ${err.message}`, { cause: err });
      out.push(value);
    }
    return out;
  }
}

function scoresOf(withScores: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < withScores.length; i += 2) m.set(withScores[i]!, Number(withScores[i + 1]));
  return m;
}
