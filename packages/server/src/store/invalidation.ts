// Cache invalidation across nodes: a change on one node tells every node to drop what it cached about it.
// On SQLite there is one node, so the bus is local; on PostgreSQL it rides LISTEN/NOTIFY (see postgres-store.ts).

export type CacheTopic = "projects" | "tokens" | "sessions" | "connections" | "keys";

export type InvalidationBus = {
  /** Drops the topic's caches here and, after the change committed, on every other node. */
  publish(topic: CacheTopic): Promise<void>;
  subscribe(topic: CacheTopic, handler: () => void): void;
  /** False while the cross-node channel is down: caches must not be trusted then (every read goes to the database). */
  readonly healthy: boolean;
  close(): Promise<void>;
};

export type LocalHandlers = {
  subscribe(topic: CacheTopic, handler: () => void): void;
  run(topic: CacheTopic): void;
  runAll(): void;
};

export function createHandlers(): LocalHandlers {
  const handlers = new Map<CacheTopic, (() => void)[]>();
  return {
    subscribe(topic, handler) {
      handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
    },
    run(topic) {
      for (const handler of handlers.get(topic) ?? []) handler();
    },
    runAll() {
      for (const list of handlers.values()) for (const handler of list) handler();
    },
  };
}

export function createLocalBus(): InvalidationBus {
  const handlers = createHandlers();
  return {
    healthy: true,
    async publish(topic) {
      handlers.run(topic);
    },
    subscribe: handlers.subscribe,
    close: async () => undefined,
  };
}
