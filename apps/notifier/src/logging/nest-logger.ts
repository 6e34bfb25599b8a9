/**
 * Nest's own logs (module init, routes, shutdown) through the app's pino logger as structured JSON.
 * Nest calls `level(message, ...optionalParams)`; the last string parameter is the context, and
 * `error` passes the stack before it.
 */
import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@vigil/platform';

const LEVELS = { log: 'info', error: 'error', warn: 'warn', debug: 'debug', verbose: 'trace', fatal: 'fatal' } as const;

export function nestLoggerFor(log: Logger): LoggerService {
  const entries = Object.entries(LEVELS).map(([nest, pino]) => [
    nest,
    (message: unknown, ...params: unknown[]) => {
      const strings = params.filter((p): p is string => typeof p === 'string');
      const context = strings.length ? strings[strings.length - 1] : undefined;
      const trace = nest === 'error' && strings.length > 1 ? strings[0] : undefined;
      log[pino]({ context, ...(trace ? { trace } : {}) }, String(message));
    },
  ]);
  return Object.fromEntries(entries) as unknown as LoggerService;
}
