// The structured logger: JSON lines, with credentials and values redacted wherever they might appear.
import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "./config.ts";

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "coffer" },
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
  };
  // Standard output, written asynchronously: lines logged while a write is under way go out together in the
  // next one, instead of one system call per line holding up the event loop. pino flushes what is left on exit.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
