// request.log: Fastify gives every request a child logger that carries its request id. Making a pino child costs more
// than most of what a proxied call does for itself, and a request logs only when something goes wrong, so this one
// makes the child the first time it is used.
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, LogFn } from "pino";

type LogArguments = Parameters<LogFn>;

class LazyChildLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  fatal(...args: LogArguments): void {
    this.#logger().fatal(...args);
  }

  error(...args: LogArguments): void {
    this.#logger().error(...args);
  }

  warn(...args: LogArguments): void {
    this.#logger().warn(...args);
  }

  info(...args: LogArguments): void {
    this.#logger().info(...args);
  }

  debug(...args: LogArguments): void {
    this.#logger().debug(...args);
  }

  trace(...args: LogArguments): void {
    this.#logger().trace(...args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: the request's logger, made into a pino child only when it logs. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
