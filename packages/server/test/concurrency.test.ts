import { describe, expect, it } from "vitest";
import { secretsPath, startServer } from "./helpers.ts";

describe("concurrent writes", () => {
  it("1,000 concurrent creates leave exactly 1,000 secrets", async () => {
    const coffer = await startServer();
    try {
      await coffer.api("POST", "/v1/projects", { slug: "busy" });
      const base = secretsPath("busy", "production");
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          coffer.api("POST", base, { key: `KEY_${i}`, value: `value-${i}` }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1000);
      let count = 0;
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? "?limit=1000" : `?limit=1000&cursor=${cursor}`;
        const page = await coffer.api("GET", `${base}${query}`);
        count += page.body.secrets.length;
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      expect(count).toBe(1000);
      const values = await coffer.api("POST", "/v1/projects/busy/environments/production/values", {
        keys: ["KEY_0", "KEY_999"],
      });
      expect(values.body.secrets.map((s: { data: { value: string } }) => s.data.value)).toEqual([
        "value-0",
        "value-999",
      ]);
    } finally {
      await coffer.close();
    }
  });

  it("concurrent creates of the same key give one 201 and 409s", async () => {
    const coffer = await startServer();
    try {
      await coffer.api("POST", "/v1/projects", { slug: "race" });
      const base = secretsPath("race", "production");
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => coffer.api("POST", base, { key: "SAME", value: `v${i}` })),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    } finally {
      await coffer.close();
    }
  });

  it("concurrent updates each make their own version", async () => {
    const coffer = await startServer();
    try {
      await coffer.api("POST", "/v1/projects", { slug: "upd" });
      const base = secretsPath("upd", "production");
      await coffer.api("POST", base, { key: "K", value: "v0" });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => coffer.api("PATCH", `${base}/K`, { value: `v${i + 1}` })),
      );
      const ok = results.filter((r) => r.status === 200).length;
      const conflicts = results.filter((r) => r.status === 409).length;
      expect(ok + conflicts).toBe(20);
      const versions = await coffer.api("GET", `${base}/K/versions`);
      expect(versions.body.versions).toHaveLength(ok + 1);
    } finally {
      await coffer.close();
    }
  });
});
