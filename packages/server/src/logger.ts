// The structured loggers: JSON lines, with credentials and values redacted wherever they might appear.
import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "./config.ts";

export type Loggers = {
  /** For everything the server logs, with redaction of any field that could hold a credential or a value. */
  logger: Logger;
  /**
   * For the one line written per request, to the same destination, without redaction. That line has a fixed shape
   * (request id, method, route pattern, status, duration, actor id): nothing in it can hold a value or a credential,
   * and the redaction pass costs more than the rest of the line on every request.
   */
  requestLogger: Logger;
};

const BASE = { service: "coffer" };

export function createLoggers(level: LogLevel, destination?: DestinationStream): Loggers {
  // Standard output, written asynchronously: lines logged while a write is under way go out together in the
  // next one, instead of one system call per line holding up the event loop. pino flushes what is left on exit.
  const stream = destination ?? pino.destination({ dest: 1, sync: false });
  const logger = pino(
    {
      level,
      base: BASE,
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          "req.headers['x-vault-token']",
          "res.headers['set-cookie']",
          "*.value",
          "*.fields",
          "*.token",
          "*.data",
        ],
        censor: "[redacted]",
      },
    },
    stream,
  );
  return { logger, requestLogger: pino({ level, base: BASE }, stream) };
}
