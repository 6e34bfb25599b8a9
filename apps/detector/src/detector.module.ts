/**
 * The detector's Nest module: the validated config, the pino logger and the metrics registry as values,
 * the DetectorService built from them and started/stopped with the application's lifecycle hooks.
 */
import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from '@vigil/platform';
import type { DetectorConfig } from './config/detector-config';
import { DetectorService } from './detection/detector.service';
import { DetectorMetrics } from './ops/detector-metrics';
import { OpsController } from './ops/ops.controller';

export const DETECTOR_CONFIG = Symbol('DETECTOR_CONFIG');
export const DETECTOR_LOGGER = Symbol('DETECTOR_LOGGER');

@Injectable()
export class DetectorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(DetectorService) private readonly detector: DetectorService,
    @Inject(DETECTOR_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.detector.start();
  }

  /** Before the HTTP server closes: finish the fetch in hand, commit, disconnect. */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.log.info({ signal }, 'detector stopping');
    await this.detector.stop();
  }
}

@Module({})
export class DetectorModule {
  static forRoot(config: DetectorConfig, log: Logger, metrics: DetectorMetrics = new DetectorMetrics()): DynamicModule {
    return {
      module: DetectorModule,
      // Terminus logs a failed check itself; the detector's own logger has said why already.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [OpsController],
      providers: [
        { provide: DETECTOR_CONFIG, useValue: config },
        { provide: DETECTOR_LOGGER, useValue: log },
        { provide: DetectorMetrics, useValue: metrics },
        {
          provide: DetectorService,
          inject: [DETECTOR_CONFIG, DETECTOR_LOGGER, DetectorMetrics],
          useFactory: (c: DetectorConfig, l: Logger, m: DetectorMetrics) => new DetectorService(c, l, m),
        },
        DetectorLifecycle,
      ],
    };
  }
}
