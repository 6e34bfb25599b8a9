/**
 * What the HTTP layer serves from: the decision feed (the active set), the enforcement points' keys and
 * rate limits, the request normalizer for checks, and each CrowdSec bouncer's cursor (CrowdSec keeps a
 * bouncer's last pull per key and address; so does this, in memory: after an enforcer restart a bouncer
 * that pulls without `startup=true` is sent the whole set again, which bouncers apply idempotently).
 */
import type { Logger } from '@vigil/platform';
import type { EnforcerConfig } from './config/enforcer-config';
import { DecisionFeed } from './decisions/decision-feed.service';
import { ApiKeys, RateLimiter } from './http/api-keys';
import { RequestSubjects } from './http/request-subjects';
import type { EnforcerMetrics } from './ops/enforcer-metrics';

export interface BouncerState {
  epoch: string;
  cursor: number;
  lastPull: number;
}

export class EnforcerService {
  readonly feed: DecisionFeed;
  readonly keys: ApiKeys;
  readonly apiLimit: RateLimiter;
  readonly checkLimit: RateLimiter;
  /** Per throttle decision: how many requests its target may still make. */
  readonly throttles: RateLimiter;
  readonly subjects: RequestSubjects;
  readonly bouncers = new Map<string, BouncerState>();

  constructor(
    readonly config: EnforcerConfig,
    readonly log: Logger,
    readonly metrics: EnforcerMetrics,
  ) {
    this.feed = new DecisionFeed(config, log, metrics);
    this.keys = new ApiKeys(config.apiKeys);
    this.apiLimit = new RateLimiter(config.rateLimit.api.perSecond, config.rateLimit.api.burst);
    this.checkLimit = new RateLimiter(config.rateLimit.check.perSecond, config.rateLimit.check.burst);
    this.throttles = new RateLimiter(config.check.throttle.perSecond, config.check.throttle.burst);
    this.subjects = new RequestSubjects(config.source);
  }

  async start(): Promise<void> {
    if (this.keys.size === 0) {
      this.log.warn('no API keys configured (apiKeys or VIGIL_ENFORCER_API_KEYS): every API request will be refused');
    }
    if (this.subjects.usingDevelopmentKey) {
      this.log.warn(
        'VIGIL_HASH_KEY is not set: principal, session, device and api_key decisions match only the development key',
      );
    }
    await this.feed.start();
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }
}
