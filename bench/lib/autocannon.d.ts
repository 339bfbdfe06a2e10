// The part of autocannon's programmatic API the bench uses; the package ships no types of its own.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
      headers?: Record<string, string>;
      body?: string;
      /** Each connection sends these in turn, starting over after the last. */
      requests?: Request[];
      pipelining?: number;
      /** Seconds before a request counts as a timeout. */
      timeout?: number;
    }

    interface Request {
      method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Called before each send; returns the request to send (a copy of `request`, changed as needed). */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p99: number;
    }

    interface Result {
      url: string;
      connections: number;
      /** Seconds actually measured. */
      duration: number;
      /** Connection errors, timeouts included. */
      errors: number;
      timeouts: number;
      resets: number;
      non2xx: number;
      "2xx": number;
      statusCodeStats: Record<string, { count: number }>;
      requests: Histogram & { sent: number };
      latency: Histogram;
      throughput: Histogram;
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
