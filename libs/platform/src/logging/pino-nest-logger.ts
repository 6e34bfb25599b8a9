/**
 * Nest's own logs (module init, routes, shutdown) through an app's pino logger, as structured JSON. Nest's
 * LoggerService is matched by shape, so this lib needs no Nest package: every app passes it as
 * `NestFactory.create(module, { logger: new PinoNestLogger(log) })`.
 */
import type { Logger } from './logger';

export class PinoNestLogger {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, context?: string): void {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.pino.trace({ context }, String(message));
  }
}
