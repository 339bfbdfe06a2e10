// A bare node:http server answering one constant JSON body, shaped like a secret value response: the
// ceiling Coffer's read path is compared with. Run as a child process by the bench; prints its URL.
import { createServer } from "node:http";

const body = Buffer.from(
  JSON.stringify({ key: "BENCH_KEY", version: 1, data: { value: "q7Vx2mLr9TbN4kWc8ZpD1sHy6FjA3uEo" } }),
);
const headers = { "content-type": "application/json; charset=utf-8", "content-length": body.length };

const server = createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
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
