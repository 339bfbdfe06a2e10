// Resolving and checking templates through HTTP: the resolved document, errors that name and place a missing
// reference, audit per secret, and the permissions each route needs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, secretsPath, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
let revealToken: string;
let listToken: string;
const base = "/v1/projects/agents/environments/production";

beforeAll(async () => {
  coffer = await startServer();
  await coffer.api("POST", "/v1/projects", { slug: "agents" });
  const secrets = secretsPath("agents", "production");
  await coffer.api("POST", secrets, { key: "OPENAI_API_KEY", value: "sk-one" });
  await coffer.api("POST", secrets, { key: "payments/db", fields: { user: "app", password: "pw-1" } });
  revealToken = await createToken(coffer, { projects: ["agents"], permissions: ["secrets:reveal"] });
  listToken = await createToken(coffer, { projects: ["agents"], permissions: ["secrets:list"] });
});
afterAll(() => coffer.close());

describe("resolving a template", () => {
  it("returns the same JSON shape with every reference replaced, escapes kept literal", async () => {
    const template = {
      llm: { headers: { Authorization: "Bearer $SECRET/OPENAI_API_KEY" } },
      db: [
        "postgres://{{ secrets.payments/db.user }}:{{secrets.payments/db.password}}@db:5432/app",
        5432,
        true,
        null,
      ],
      literal: "\\$SECRET/OPENAI_API_KEY and \\{{ secrets.OPENAI_API_KEY }}",
    };
    const response = await coffer.api("POST", `${base}/resolve`, { template }, revealToken);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      resolved: {
        llm: { headers: { Authorization: "Bearer sk-one" } },
        db: ["postgres://app:pw-1@db:5432/app", 5432, true, null],
        literal: "$SECRET/OPENAI_API_KEY and {{ secrets.OPENAI_API_KEY }}",
      },
    });
  });

  it("resolves a string template to a string", async () => {
    const response = await coffer.api(
      "POST",
      `${base}/resolve`,
      { template: "key=$SECRET/OPENAI_API_KEY;" },
      revealToken,
    );
    expect(response.body).toEqual({ resolved: "key=sk-one;" });
  });

  it("uses a changed value at the very next resolution", async () => {
    // Its own secret: the other tests expect OPENAI_API_KEY's first value, in whatever order they run.
    const secrets = secretsPath("agents", "production");
    await coffer.api("POST", secrets, { key: "ROTATED_KEY", value: "rk-one" });
    const resolve = () =>
      coffer.api("POST", `${base}/resolve`, { template: "$SECRET/ROTATED_KEY" }, revealToken);
    expect((await resolve()).body.resolved).toBe("rk-one");
    await coffer.api("PATCH", `${secrets}/ROTATED_KEY`, { value: "rk-two" });
    expect((await resolve()).body.resolved).toBe("rk-two");
  });

  it("fails naming every missing secret and field with its place, never resolving to an empty string", async () => {
    const response = await coffer.api(
      "POST",
      `${base}/resolve`,
      { template: { a: "x $SECRET/NOPE", b: ["{{ secrets.payments/db.port }}"] } },
      revealToken,
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("secret_not_found");
    expect(response.body.error.message).toBe(
      'Secret "NOPE" referenced in a at line 1, column 3 does not exist; 1 more reference cannot be resolved',
    );
    expect(response.body.error.details.problems).toEqual([
      expect.objectContaining({
        code: "secret_not_found",
        name: "NOPE",
        location: { path: ["a"], offset: 2, line: 1, column: 3 },
      }),
      expect.objectContaining({
        code: "field_not_found",
        name: "payments/db",
        field: "port",
        location: expect.objectContaining({ path: ["b", 0] }),
      }),
    ]);
  });

  it("refuses a malformed reference with its position", async () => {
    const response = await coffer.api(
      "POST",
      `${base}/resolve`,
      { template: "ok\nBearer {{ secrets.KEY" },
      revealToken,
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("malformed_reference");
    expect(response.body.error.message).toMatch(/at line 2, column 8/);
  });

  it("records one reveal per secret, with no value in the log", async () => {
    await coffer.api(
      "POST",
      `${base}/resolve`,
      { template: ["$SECRET/OPENAI_API_KEY", "{{secrets.payments/db.user}}", "$SECRET/OPENAI_API_KEY"] },
      revealToken,
    );
    const audit = await coffer.api("GET", "/v1/audit?action=secret.reveal&limit=2");
    expect(audit.body.events.map((event: { key: string }) => event.key).sort()).toEqual([
      "OPENAI_API_KEY",
      "payments/db",
    ]);
    expect(audit.body.events[0].details).toEqual({ via: "resolve" });
    expect(audit.text).not.toMatch(/sk-one|pw-1/);
  });

  it("needs secrets:reveal: list and use are not enough", async () => {
    const useToken = await createToken(coffer, {
      projects: ["agents"],
      permissions: ["secrets:use", "secrets:list"],
    });
    for (const token of [listToken, useToken]) {
      const response = await coffer.api(
        "POST",
        `${base}/resolve`,
        { template: "$SECRET/OPENAI_API_KEY" },
        token,
      );
      expect(response.status).toBe(403);
      expect(response.text).not.toContain("sk-");
    }
  });

  it("refuses a template nested deeper than 64 levels", async () => {
    let template: unknown = "$SECRET/OPENAI_API_KEY";
    for (let depth = 0; depth < 100; depth++) template = [template];
    const response = await coffer.api("POST", `${base}/resolve`, { template }, revealToken);
    expect(response.status).toBe(400);
  });
});

describe("checking a template's references", () => {
  it("lists each reference with where it is and whether it exists, needing only secrets:list", async () => {
    const response = await coffer.api(
      "POST",
      `${base}/references/check`,
      {
        template: {
          headers: { Authorization: "Bearer $SECRET/OPENAI_API_KEY" },
          db: "{{ secrets.payments/db.port }} $SECRET/GONE",
        },
      },
      listToken,
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      ok: false,
      references: [
        {
          reference: "$SECRET/OPENAI_API_KEY",
          key: "OPENAI_API_KEY",
          field: "value",
          syntax: "dollar",
          location: { path: ["headers", "Authorization"], line: 1, column: 8, offset: 7 },
          exists: true,
          problem: null,
        },
        {
          reference: "{{ secrets.payments/db.port }}",
          key: "payments/db",
          field: "port",
          syntax: "braces",
          location: { path: ["db"], line: 1, column: 1, offset: 0 },
          exists: false,
          problem: "field_not_found",
        },
        {
          reference: "$SECRET/GONE",
          key: "GONE",
          field: "value",
          syntax: "dollar",
          location: { path: ["db"], line: 1, column: 32, offset: 31 },
          exists: false,
          problem: "secret_not_found",
        },
      ],
    });
    expect(response.text).not.toMatch(/sk-|pw-1/);
  });

  it("says ok for a template whose references all exist, and for one without references", async () => {
    const all = await coffer.api(
      "POST",
      `${base}/references/check`,
      { template: "$SECRET/payments/db.user" },
      listToken,
    );
    expect(all.body).toMatchObject({ ok: true, references: [{ exists: true }] });
    const none = await coffer.api(
      "POST",
      `${base}/references/check`,
      { template: "no references" },
      listToken,
    );
    expect(none.body).toEqual({ ok: true, references: [] });
  });

  it("answers 400 for malformed syntax, 404 for an unknown environment", async () => {
    const malformed = await coffer.api(
      "POST",
      `${base}/references/check`,
      { template: "$SECRET/" },
      listToken,
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.problems[0].location).toEqual({
      path: [],
      offset: 0,
      line: 1,
      column: 1,
    });
    const unknown = await coffer.api(
      "POST",
      "/v1/projects/agents/environments/nope/references/check",
      { template: "" },
      listToken,
    );
    expect(unknown.status).toBe(404);
  });
});
