/**
 * `/metrics` (Prometheus text), `/health` (the decision feed is alive: restart me when not) and `/ready`
 * (the decisions topic has been read up to where it ended at boot: send me traffic), as @nestjs/terminus
 * health checks: 200 `{status: "ok", info}` or 503 `{status: "error", error}`.
 */
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { EnforcerService } from '../enforcer.service';

@Controller()
export class OpsController {
  constructor(
    @Inject(EnforcerService) private readonly enforcer: EnforcerService,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.enforcer.metrics.registry.metrics();
  }

  @Get('health')
  @HealthCheck()
  liveness(): Promise<HealthCheckResult> {
    const feed = this.enforcer.feed;
    return this.health.check([
      () => {
        const check = this.indicators.check('decisions');
        const data: Record<string, unknown> = { active: feed.decisions.size };
        if (feed.failure) data['failure'] = feed.failure.message;
        return feed.healthy ? check.up(data) : check.down(data);
      },
    ]);
  }

  @Get('ready')
  @HealthCheck()
  readiness(): Promise<HealthCheckResult> {
    const feed = this.enforcer.feed;
    return this.health.check([
      () => {
        const check = this.indicators.check('decisions');
        const data = { caughtUp: feed.caughtUp, active: feed.decisions.size };
        return feed.caughtUp && feed.healthy ? check.up(data) : check.down(data);
      },
    ]);
  }
}
