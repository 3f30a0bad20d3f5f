import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Anything that could carry a credential is redacted at the source, and the
 * request logger records paths without query strings (codes, hints, tokens).
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'latchkey' },
      redact: {
        paths: ['password', '*.password', 'client_secret', '*.client_secret', 'secret', '*.secret', 'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie'],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
