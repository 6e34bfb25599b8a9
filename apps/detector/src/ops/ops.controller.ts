/**
 * `/metrics` (Prometheus text), `/health` (the process and its consume loop are alive: restart me when
 * not) and `/ready` (joined the consumer group and Redis answers: send me traffic), as @nestjs/terminus
 * health checks: 200 with `{status: "ok", info}` or 503 with `{status: "error", error}` naming what is down.
 */
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { DetectorService } from '../detection/detector.service';
import { DetectorMetrics } from './detector-metrics';

@Controller()
export class OpsController {
  constructor(
    @Inject(DetectorMetrics) private readonly metrics: DetectorMetrics,
    @Inject(DetectorService) private readonly detector: DetectorService,
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
        const check = this.indicators.check('detector');
        const data = {
          state: this.detector.state,
          ...(this.detector.failure ? { failure: this.detector.failure.message } : {}),
        };
        return this.detector.healthy ? check.up(data) : check.down(data);
      },
    ]);
  }

  @Get('ready')
  @HealthCheck()
  async readiness(): Promise<HealthCheckResult> {
    const r = await this.detector.ready();
    return this.health.check([
      () =>
        r.kafka
          ? this.indicators.check('kafka').up({ joined: true })
          : this.indicators.check('kafka').down({ joined: false }),
      () => (r.redis ? this.indicators.check('redis').up() : this.indicators.check('redis').down({ ping: 'no PONG' })),
    ]);
  }
}
