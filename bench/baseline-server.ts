// A bare node:http server answering one constant JSON body, shaped like a secret value response: the
// ceiling Coffer's read path is compared with. Run as a child process by the bench; prints its URL.
// `--delay-ms N` answers each request N ms after it arrived, like an API that does work (the proxy's upstream);
// with `--jitter-ms J`, after N ± J ms (uniform), like a real API whose answers do not all take the same time.
import { createServer } from "node:http";

const delayFlag = process.argv.indexOf("--delay-ms");
const delayMs = delayFlag === -1 ? 0 : Number(process.argv[delayFlag + 1]);
if (!Number.isInteger(delayMs) || delayMs < 0)
  throw new Error("baseline: --delay-ms takes a whole number of ms");
const jitterFlag = process.argv.indexOf("--jitter-ms");
const jitterMs = jitterFlag === -1 ? 0 : Number(process.argv[jitterFlag + 1]);
if (!Number.isInteger(jitterMs) || jitterMs < 0 || jitterMs > delayMs)
  throw new Error("baseline: --jitter-ms takes a whole number of ms, at most --delay-ms");

const body = Buffer.from(
  JSON.stringify({ key: "BENCH_KEY", version: 1, data: { value: "q7Vx2mLr9TbN4kWc8ZpD1sHy6FjA3uEo" } }),
);
const headers = { "content-type": "application/json; charset=utf-8", "content-length": body.length };

const server = createServer((_request, response) => {
  if (delayMs === 0) {
    response.writeHead(200, headers);
    response.end(body);
    return;
  }
  setTimeout(
    () => {
      response.writeHead(200, headers);
      response.end(body);
    },
    jitterMs === 0 ? delayMs : delayMs - jitterMs + Math.random() * 2 * jitterMs,
  );
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("baseline: no TCP address");
  console.log(`Baseline listening on http://127.0.0.1:${address.port}`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
