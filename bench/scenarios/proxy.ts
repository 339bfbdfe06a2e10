// Scenario `proxy` (issue 5): the same local upstream (the bare baseline server) loaded directly and through
// Coffer's egress proxy, which authenticates, resolves the connection's header template (one query, one
// decryption), records a `secret.use` audit event, forwards with undici and redacts the answer on its way back.
// The upstream must run during the proxied run, so here two servers share the machine with the load generator.
import { randomBytes } from "node:crypto";
import { comparisonRows, figureRow, loadRow } from "../lib/rows.ts";
import type { Scenario } from "../lib/scenario.ts";

export const proxyScenario: Scenario = {
  name: "proxy",
  description: "GET through /v1/proxy/… vs the same bare node:http upstream directly, and the added p50",
  async run(context) {
    const upstream = await context.startBaseline();
    const direct = loadRow("direct", await context.load({ url: `${upstream.url}/v1/models` }));
    const directOne = loadRow(
      "direct, 1 connection",
      await context.load({ url: `${upstream.url}/v1/models`, connections: 1 }),
    );

    const coffer = await context.startCoffer({ env: { COFFER_PROXY_ALLOW_LOOPBACK: "1" } });
    await coffer.createProject("bench");
    await coffer.createSecret("bench", "development", "BENCH_KEY", randomBytes(24).toString("base64url"));
    await coffer.api("POST", "/v1/projects/bench/connections", {
      name: "upstream",
      baseUrl: upstream.url,
      headers: { authorization: "Bearer $SECRET/BENCH_KEY" },
    });
    const { token } = await coffer.api<{ token: string }>("POST", "/v1/tokens", {
      name: "bench-agent",
      projects: ["bench"],
      permissions: ["secrets:use"],
    });
    const url = `${coffer.url}/v1/proxy/bench/development/upstream/v1/models`;
    const headers = { authorization: `Bearer ${token}` };
    const proxied = loadRow("proxy", await context.load({ url, headers }));
    const proxiedOne = loadRow("proxy, 1 connection", await context.load({ url, headers, connections: 1 }));
    await coffer.stop();
    await upstream.stop();

    return [
      direct,
      proxied,
      directOne,
      proxiedOne,
      ...comparisonRows(proxied, direct, { throughput: { atLeast: 0.6 } }),
      figureRow("added p50 (proxy − direct)", proxied.load.p50Ms - direct.load.p50Ms, "ms", { atMost: 1 }),
      figureRow("added p50 at 1 connection", proxiedOne.load.p50Ms - directOne.load.p50Ms, "ms"),
    ];
  },
};
