/**
 * Building the enforcer from a validated config: used by `main.ts` and by tests, which run it in-process.
 * `listen` is the caller's; the feed is reading the decisions topic once `init` resolves.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger, PinoNestLogger, type Logger } from '@vigil/platform';
import type { EnforcerConfig } from './config/enforcer-config';
import { EnforcerModule } from './enforcer.module';
import { EnforcerService } from './enforcer.service';
import { createCheckHandler } from './http/check-handler';
import { EnforcerMetrics } from './ops/enforcer-metrics';

export interface EnforcerApp {
  readonly app: NestExpressApplication;
  readonly enforcer: EnforcerService;
  readonly log: Logger;
}

export async function createEnforcerApp(
  config: EnforcerConfig,
  options: { log?: Logger; defaultMetrics?: boolean } = {},
): Promise<EnforcerApp> {
  const log = options.log ?? createLogger({ name: 'vigil-enforcer', level: config.logLevel });
  let enforcer: EnforcerService | null = null;
  const metrics = new EnforcerMetrics({
    defaultMetrics: options.defaultMetrics ?? true,
    activeByScope: () => enforcer!.feed.decisions.countByScope(),
  });
  enforcer = new EnforcerService(config, log, metrics);
  const tls = config.http.tls;
  const app = await NestFactory.create<NestExpressApplication>(EnforcerModule.forRoot(enforcer), {
    logger: new PinoNestLogger(log),
    abortOnError: false,
    ...(tls
      ? {
          httpsOptions: {
            cert: readFileSync(tls.cert),
            key: readFileSync(tls.key),
            ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
          },
        }
      : {}),
  });
  app.disable('x-powered-by');
  app.set('etag', false);
  // The checks are the hot path: answered on the HTTP server's own 'request' event, ahead of Express (which
  // re-prototypes every request and response) and Nest's router; everything else goes on to Express.
  const server = app.getHttpServer() as Server;
  const check = createCheckHandler(enforcer);
  const express = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    check(req, res, () => {
      for (const listener of express) listener.call(server, req, res);
    }),
  );
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return { app, enforcer, log };
}
