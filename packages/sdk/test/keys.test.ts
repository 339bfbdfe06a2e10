import { describe, expect, it } from "vitest";
import { CofferError, type KeysStatus } from "../src/index.ts";
import { clientOf, fakeCoffer } from "./fake-coffer.ts";

const status: KeysStatus = {
  projects: [
    {
      project: "payments",
      activeVersion: 2,
      versions: [
        { version: 1, active: false, values: 3 },
        { version: 2, active: true, values: 7 },
      ],
    },
  ],
  rotation: { running: true, remaining: 3 },
};

describe("keys", () => {
  it("reads every project's key versions and the rotation's progress from /v1/keys/status", async () => {
    const server = await fakeCoffer(() => ({ json: status }));
    expect(await clientOf(server).keys.status()).toEqual(status);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /v1/keys/status"]);
  });

  it("rotates one project's data key, or every project's: the client's default project does not apply", async () => {
    const server = await fakeCoffer((request) => ({
      status: 202,
      json: { projects: (request.json as { project?: string }).project ? ["web"] : ["payments", "web"] },
    }));
    const { keys } = clientOf(server);
    expect(await keys.rotateData({ project: "web" })).toEqual({ projects: ["web"] });
    expect(await keys.rotateData()).toEqual({ projects: ["payments", "web"] });
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'POST /v1/keys/rotate-data {"project":"web"}',
      "POST /v1/keys/rotate-data {}",
    ]);
  });

  it("does not retry a rotation that failed: a second one would add another key version", async () => {
    const server = await fakeCoffer(() => ({
      status: 503,
      json: { error: { code: "unavailable", message: "busy" } },
    }));
    const error = await clientOf(server)
      .keys.rotateData()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CofferError);
    expect(server.requests).toHaveLength(1);
  });
});
