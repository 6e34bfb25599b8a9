/**
 * Nest's own logs (module init, routes, shutdown) through an app's pino logger, as structured JSON. Nest
 * calls `level(message, ...optionalParams)`: the last string parameter is the context, and `error` passes
 * the stack before it. Nest's LoggerService is matched by shape, so this lib needs no Nest package: every
 * app passes `NestFactory.create(module, { logger: new PinoNestLogger(log) })`.
 */
import type { Logger } from './logger';

function contextOf(params: readonly unknown[]): { context?: string; trace?: string } {
  const strings = params.filter((p): p is string => typeof p === 'string');
  const out: { context?: string; trace?: string } = {};
  if (strings.length > 0) out.context = strings[strings.length - 1]!;
  if (strings.length > 1) out.trace = strings[0]!;
  return out;
}

export class PinoNestLogger {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, ...params: unknown[]): void {
    this.pino.info(contextOf(params), String(message));
  }
  error(message: unknown, ...params: unknown[]): void {
    this.pino.error(contextOf(params), String(message));
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.pino.warn(contextOf(params), String(message));
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.pino.debug(contextOf(params), String(message));
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.pino.trace(contextOf(params), String(message));
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.pino.fatal(contextOf(params), String(message));
  }
}
