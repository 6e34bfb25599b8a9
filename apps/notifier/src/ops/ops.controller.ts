/**
 * `/metrics` (Prometheus text), `/health` (the process and every destination's consumer are alive:
 * restart me when not) and `/ready` (every destination's consumer has joined its group), as
 * @nestjs/terminus checks: 200 `{status: "ok", info}` or 503 `{status: "error", error}` naming what is down.
 */
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { NotifierService } from '../delivery/notifier.service';
import { NotifierMetrics } from './notifier-metrics';

@Controller()
export class OpsController {
  constructor(
    @Inject(NotifierMetrics) private readonly metrics: NotifierMetrics,
    @Inject(NotifierService) private readonly notifier: NotifierService,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  @Get('health')
  @HealthCheck()
  liveness(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const check = this.indicators.check('notifier');
        const failure = this.notifier.failure;
        const data = { state: this.notifier.state, ...(failure ? { failure: failure.message } : {}) };
        return this.notifier.healthy ? check.up(data) : check.down(data);
      },
    ]);
  }

  @Get('ready')
  @HealthCheck()
  readiness(): Promise<HealthCheckResult> {
    const { destinations } = this.notifier.ready();
    return this.health.check(
      Object.entries(destinations).map(([name, joined]) => () => {
        const check = this.indicators.check(`destination:${name}`);
        return joined ? check.up({ joined }) : check.down({ joined });
      }),
    );
  }
}
