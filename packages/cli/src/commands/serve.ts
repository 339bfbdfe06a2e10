// `coffer serve`: start the server in this process and stop it cleanly on SIGINT/SIGTERM.

import type { Command } from "../args.ts";

export const serveCommand: Command = {
  name: "serve",
  summary: "Start the Coffer server (--dev for a throwaway local one)",
  // The server reads and validates its own flags and environment, and documents them (SERVE_USAGE):
  // configuration has one home.
  passThrough: true,
  options: {},
  async run({ args, io }) {
    // Loaded here so that the client commands never pay for (or need) the server's dependencies.
    const { serve, SERVE_USAGE } = await import("@coffer/server");
    if (args.includes("--help") || args.includes("-h")) {
      io.stdout.write(`${SERVE_USAGE}\n`);
      return;
    }
    // A ConfigError's message is written for the operator: `main` prints it as is and exits 1.
    const server = await serve(args, io.env, io.stdout);
    await nextTerminationSignal();
    // A second signal while closing means "now": do not make the operator wait on a stuck close.
    process.once("SIGINT", () => process.exit(130));
    process.once("SIGTERM", () => process.exit(143));
    await server.close();
    // The server may leave handles (timers, pools) that would keep the process alive after close().
    process.exit(0);
  },
};

function nextTerminationSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
