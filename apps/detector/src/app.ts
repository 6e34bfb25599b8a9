/**
 * Building the detector application from a validated config: used by `main.ts` and by tests, which run
 * it in-process. `listen` is the caller's: the app is fully started (consuming) once `init` resolves.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { createLogger, PinoNestLogger, type Logger } from '@vigil/platform';
import type { DetectorConfig } from './config/detector-config';
import { DetectorService } from './detection/detector.service';
import { DetectorModule } from './detector.module';
import { DetectorMetrics } from './ops/detector-metrics';

export interface DetectorApp {
  readonly app: INestApplication;
  readonly detector: DetectorService;
  readonly metrics: DetectorMetrics;
  readonly log: Logger;
}

export async function createDetectorApp(
  config: DetectorConfig,
  options: { log?: Logger; defaultMetrics?: boolean } = {},
): Promise<DetectorApp> {
  const log = options.log ?? createLogger({ name: 'vigil-detector', level: config.logLevel });
  const metrics = new DetectorMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const app = await NestFactory.create(DetectorModule.forRoot(config, log, metrics), {
    logger: new PinoNestLogger(log),
    abortOnError: false,
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return { app, detector: app.get(DetectorService), metrics, log };
}
