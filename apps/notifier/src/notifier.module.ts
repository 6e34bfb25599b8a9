/**
 * The notifier's Nest module: the validated config, the pino logger and the metrics registry as
 * values, the NotifierService built from them and started/stopped with the application's lifecycle.
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
import type { NotifierConfig } from './config/notifier-config';
import { NotifierService } from './delivery/notifier.service';
import { NotifierMetrics } from './ops/notifier-metrics';
import { OpsController } from './ops/ops.controller';

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');
export const NOTIFIER_LOGGER = Symbol('NOTIFIER_LOGGER');

@Injectable()
export class NotifierLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(NotifierService) private readonly notifier: NotifierService,
    @Inject(NOTIFIER_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.notifier.start();
  }

  /** Before the HTTP server closes: finish each destination's send in flight, commit, disconnect. */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.log.info({ signal }, 'notifier stopping');
    await this.notifier.stop();
  }
}

@Module({})
export class NotifierModule {
  static forRoot(config: NotifierConfig, log: Logger, metrics: NotifierMetrics = new NotifierMetrics()): DynamicModule {
    return {
      module: NotifierModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [OpsController],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: NOTIFIER_LOGGER, useValue: log },
        { provide: NotifierMetrics, useValue: metrics },
        {
          provide: NotifierService,
          inject: [NOTIFIER_CONFIG, NOTIFIER_LOGGER, NotifierMetrics],
          useFactory: (c: NotifierConfig, l: Logger, m: NotifierMetrics) => new NotifierService(c, l, m),
        },
        NotifierLifecycle,
      ],
    };
  }
}
