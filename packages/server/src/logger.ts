import pino, { type DestinationStream, type Logger } from 'pino';

/** Structured JSON logs. Credentials are redacted wherever they might appear. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'herald' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', 'secret', 'key', '*.secret', '*.token'],
      censor: '[redacted]',
    },
  }, destination);
}
