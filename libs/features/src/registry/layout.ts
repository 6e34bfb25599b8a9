/**
 * What state each entity type keeps: counters per ring, distinct counts (HyperLogLog), long memory
 * (members with a last-seen event time, a TTL and a cap) and sequence operations that need the state left
 * by the previous batch. Both stores and the generated Lua script read this one table.
 */
import type { AccessEvent } from '@vigil/events';
import type { CounterName } from './counters';
import { ENTITY_TYPES, type EntityType } from './entities';
import type { RingName } from './windows';

export const DIMENSIONS = ['principals', 'userAgents', 'routes', 'resources', 'ips'] as const;
export type DimensionName = (typeof DIMENSIONS)[number];

export const MEMORY_KINDS = ['devices', 'asns', 'countries', 'userAgents', 'ips'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

export interface MemorySpec {
  readonly kind: MemoryKind;
  /** Members not seen for this long (event time) are forgotten. */
  readonly ttlMs: number;
  /** At most this many members, the least recently seen go first. */
  readonly cap: number;
  /** Counter incremented when a member is seen for the first time (or again after its TTL). */
  readonly newCounter: CounterName | null;
  /** Count of members seen within each of these spans before the watermark. */
  readonly viewsMs: readonly number[];
}

export type SequenceOp = 'gaps' | 'sequentialIds' | 'loginPrior' | 'loginOutcomes' | 'sensitiveAfterLogin' | 'travel';

export interface EntityLayout {
  readonly type: EntityType;
  /** 1-based code used in Redis script arguments. */
  readonly code: number;
  readonly rings: Readonly<Partial<Record<RingName, readonly CounterName[]>>>;
  readonly dimensions: readonly DimensionName[];
  readonly memories: readonly MemorySpec[];
  readonly ops: readonly SequenceOp[];
  /** State of an entity idle for longer than this (event time) starts afresh. */
  readonly stateTtlMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const LOGIN_BASICS: readonly CounterName[] = ['requests', 'logins', 'loginFailures'];
const NETWORK_10M: readonly CounterName[] = [
  'requests',
  'logins',
  'loginFailures',
  'loginSuccesses',
  'unknownPrincipalLoginFailures',
  'clientErrors',
  'malformedRequests',
];

const network = (type: EntityType, code: number): EntityLayout => ({
  type,
  code,
  rings: { '1m': LOGIN_BASICS, '10m': NETWORK_10M, '1h': LOGIN_BASICS },
  dimensions: ['ips', 'principals'],
  memories: [],
  ops: [],
  stateTtlMs: HOUR + 10 * 60_000,
});

export const LAYOUTS: Readonly<Record<EntityType, EntityLayout>> = {
  ip: {
    type: 'ip',
    code: 1,
    rings: {
      '1m': LOGIN_BASICS,
      '10m': [
        'requests',
        'logins',
        'loginFailures',
        'loginSuccesses',
        'status403',
        'status404',
        'clientErrors',
        'staticRequests',
        'bytesOut',
        'numericIdRequests',
        'sequentialIdRequests',
        'gapCount',
        'gapSumMs',
        'gapSumSqMs',
        'loginsWithoutPriorRequest',
        'unknownPrincipalLoginFailures',
        'malformedRequests',
      ],
      '1h': ['requests', 'logins', 'loginFailures', 'loginSuccesses', 'bytesOut'],
    },
    dimensions: ['principals', 'userAgents', 'routes', 'resources'],
    memories: [],
    ops: ['gaps', 'sequentialIds', 'loginPrior'],
    stateTtlMs: HOUR + 10 * 60_000,
  },
  subnet: network('subnet', 2),
  asn: network('asn', 3),
  country: network('country', 4),
  principal: {
    type: 'principal',
    code: 5,
    rings: {
      '10m': [
        'requests',
        'logins',
        'loginFailures',
        'loginSuccesses',
        'sensitiveActions',
        'sensitiveAfterLogin',
        'newDevice',
        'newAsn',
        'newCountry',
        'newUserAgent',
        'mfaRequests',
        'passwordResets',
      ],
      '1h': [
        'logins',
        'loginFailures',
        'loginSuccesses',
        'sensitiveAfterLogin',
        'newDevice',
        'newAsn',
        'newCountry',
        'newUserAgent',
        'travelMaxKmh',
      ],
    },
    dimensions: ['ips'],
    memories: [
      { kind: 'devices', ttlMs: 30 * DAY, cap: 32, newCounter: 'newDevice', viewsMs: [] },
      { kind: 'asns', ttlMs: 30 * DAY, cap: 32, newCounter: 'newAsn', viewsMs: [] },
      { kind: 'countries', ttlMs: 30 * DAY, cap: 32, newCounter: 'newCountry', viewsMs: [DAY] },
      { kind: 'userAgents', ttlMs: 30 * DAY, cap: 32, newCounter: 'newUserAgent', viewsMs: [] },
      { kind: 'ips', ttlMs: DAY, cap: 64, newCounter: null, viewsMs: [DAY] },
    ],
    ops: ['loginOutcomes', 'sensitiveAfterLogin', 'travel'],
    stateTtlMs: 30 * DAY,
  },
  apiKey: {
    type: 'apiKey',
    code: 6,
    rings: {
      '1m': ['requests'],
      '10m': [
        'requests',
        'status403',
        'status404',
        'clientErrors',
        'bytesOut',
        'numericIdRequests',
        'sequentialIdRequests',
        'gapCount',
        'gapSumMs',
        'gapSumSqMs',
      ],
      '1h': ['requests', 'bytesOut'],
    },
    dimensions: ['ips', 'routes', 'resources'],
    memories: [],
    ops: ['gaps', 'sequentialIds'],
    stateTtlMs: HOUR + 10 * 60_000,
  },
  session: {
    type: 'session',
    code: 7,
    rings: { '10m': ['requests', 'logins', 'loginFailures', 'sensitiveActions'], '1h': ['requests'] },
    dimensions: [],
    memories: [
      { kind: 'ips', ttlMs: DAY, cap: 16, newCounter: null, viewsMs: [HOUR] },
      { kind: 'userAgents', ttlMs: DAY, cap: 16, newCounter: null, viewsMs: [HOUR] },
    ],
    ops: [],
    stateTtlMs: DAY,
  },
  device: {
    type: 'device',
    code: 8,
    rings: { '10m': ['requests', 'logins', 'loginFailures', 'loginSuccesses'], '1h': ['logins', 'loginFailures'] },
    dimensions: ['principals', 'ips'],
    memories: [],
    ops: [],
    stateTtlMs: HOUR + 10 * 60_000,
  },
  route: {
    type: 'route',
    code: 9,
    rings: {
      '1m': ['requests'],
      '10m': ['requests', 'clientErrors', 'status403', 'status404', 'logins', 'loginFailures'],
      '1h': ['requests', 'clientErrors'],
    },
    dimensions: ['ips'],
    memories: [],
    ops: [],
    stateTtlMs: HOUR + 10 * 60_000,
  },
  loginFlow: {
    type: 'loginFlow',
    code: 10,
    rings: {
      '1m': ['logins', 'loginFailures', 'loginSuccesses'],
      '10m': ['logins', 'loginFailures', 'loginSuccesses', 'unknownPrincipalLoginFailures'],
      '1h': ['logins', 'loginFailures'],
      baseline: ['logins', 'loginFailures'],
    },
    dimensions: ['principals', 'ips'],
    memories: [],
    ops: [],
    stateTtlMs: 2 * HOUR,
  },
};

export const LAYOUT_LIST: readonly EntityLayout[] = ENTITY_TYPES.map((t) => LAYOUTS[t]);

/** The element an event adds to a distinct-count dimension, or null. */
export function dimensionElement(dim: DimensionName, e: AccessEvent): string | null {
  switch (dim) {
    case 'principals':
      return e.routeClass === 'login' ? e.principal : null;
    case 'userAgents':
      return e.userAgent;
    case 'routes':
      return e.routeTemplate;
    case 'resources':
      return e.path;
    case 'ips':
      return e.clientIp;
  }
}
