/**
 * `/metrics` (Prometheus text), `/health` (the process and its consume loop are alive: restart me when
 * not) and `/ready` (joined the consumer group and Redis answers: send me traffic).
 */
import { Controller, Get, Header, HttpCode, HttpException, Inject } from '@nestjs/common';
import { DetectorService } from '../detection/detector.service';
import { DetectorMetrics } from './detector-metrics';

@Controller()
export class OpsController {
  constructor(
    @Inject(DetectorMetrics) private readonly metrics: DetectorMetrics,
    @Inject(DetectorService) private readonly detector: DetectorService,
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  @Get('health')
  @HttpCode(200)
  health(): { status: string; state: string } {
    const body = { status: this.detector.healthy ? 'ok' : 'failed', state: this.detector.state };
    if (!this.detector.healthy) throw new HttpException(body, 503);
    return body;
  }

  @Get('ready')
  @HttpCode(200)
  async ready(): Promise<{ status: string; kafka: boolean; redis: boolean }> {
    const r = await this.detector.ready();
    const body = { status: r.ready ? 'ready' : 'not ready', kafka: r.kafka, redis: r.redis };
    if (!r.ready) throw new HttpException(body, 503);
    return body;
  }
}
