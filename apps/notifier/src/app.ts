/**
 * Building the notifier application from a validated config: used by `main.ts` and by tests, which run
 * it in-process. `listen` is the caller's: the app is consuming once `init` (or `listen`) resolves.
 * Signals are main.ts's (see there): Nest's shutdown hooks would raise the signal again once the app is
 * closed, killing the process before pino's buffered last lines are written.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { createLogger, PinoNestLogger, type Logger } from '@vigil/platform';
import type { NotifierConfig } from './config/notifier-config';
import { NotifierService } from './delivery/notifier.service';
import { NotifierModule } from './notifier.module';
import { NotifierMetrics } from './ops/notifier-metrics';

export interface NotifierApp {
  readonly app: INestApplication;
  readonly notifier: NotifierService;
  readonly metrics: NotifierMetrics;
  readonly log: Logger;
}

export async function createNotifierApp(
  config: NotifierConfig,
  options: { log?: Logger; defaultMetrics?: boolean } = {},
): Promise<NotifierApp> {
  const log = options.log ?? createLogger({ name: 'vigil-notifier', level: config.logLevel });
  const metrics = new NotifierMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const app = await NestFactory.create(NotifierModule.forRoot(config, log, metrics), {
    logger: new PinoNestLogger(log),
    abortOnError: false,
  });
  return { app, notifier: app.get(NotifierService), metrics, log };
}
