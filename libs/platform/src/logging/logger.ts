import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerConfig {
  readonly name: string;
  readonly level?: LoggerOptions['level'];
  /** Write to this fd (default 2: stderr, so stdout stays free for data). */
  readonly fd?: number;
}

/** Structured JSON logs; redacts the fields that must never reach a log even by mistake. */
export function createLogger(config: LoggerConfig): Logger {
  return pino(
    {
      name: config.name,
      level: config.level ?? 'info',
      redact: {
        paths: ['*.authorization', '*.cookie', '*.apikey', '*.password', '*.hashKey', 'hashing.key'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: config.fd ?? 2, sync: false }),
  );
}
