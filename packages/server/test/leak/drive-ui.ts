// The leak canary's web UI traffic: the calls packages/web/src makes (through @coffer/sdk over the session cookie,
// with the CSRF token on changes), as its pages make them, plus the page itself.
import { expect } from "vitest";
import { expectStatus } from "./traffic.ts";
import { ENV, PROJECT, SECRETS, type World } from "./world.ts";

export async function driveUi(w: World): Promise<void> {
  const { traffic: t, owner, viewer } = w;
  const value = w.canary.value;
  const as = { session: owner };
  const ui = (label: string, method: string, path: string, body?: unknown) =>
    t.send(`ui: ${label}`, method, path, { as, ...(body === undefined ? {} : { body }) });

  const page = await t.send("ui: the page", "GET", "/", { as: { anonymous: true } });
  expect([200, 503]).toContain(page.status);
  expectStatus(await ui("session (auth.me)", "GET", "/v1/auth/me"), 200);
  expectStatus(await ui("projects page", "GET", "/v1/projects"), 200);
  expectStatus(await ui("project page", "GET", `/v1/projects/${PROJECT}`), 200);
  expectStatus(await ui("environments", "GET", `/v1/projects/${PROJECT}/environments`), 200);
  expectStatus(await ui("secrets table", "GET", `${SECRETS}?limit=50`), 200);
  expectStatus(await ui("secrets table search", "GET", `${SECRETS}?limit=50&search=LEAK`), 200);
  expectStatus(
    await ui("overview matrix", "GET", `/v1/projects/${PROJECT}/environments/production/secrets?limit=100`),
    200,
  );
  expectStatus(await ui("secret details", "GET", `${SECRETS}/LEAK_FIELDS`), 200);
  expectStatus(await ui("versions", "GET", `${SECRETS}/LEAK_OLD/versions`), 200);
  expectStatus(await ui("add secret dialog", "POST", SECRETS, { key: "UI_SECRET", value }), 201);
  expectStatus(await ui("add secret dialog, key taken", "POST", SECRETS, { key: "UI_SECRET", value }), 409);
  expectStatus(
    await ui("edit secret dialog", "PATCH", `${SECRETS}/UI_SECRET`, {
      value: "ui-rotated-1",
      description: "d",
    }),
    200,
  );
  expectStatus(
    await ui("edit secret dialog, nothing changed", "PATCH", `${SECRETS}/UI_SECRET`, { description: "d" }),
    422,
  );
  expectStatus(await ui("versions: roll back", "POST", `${SECRETS}/UI_SECRET/rollback`, { version: 1 }), 200);
  const revealed = await ui("reveal (owner granted secrets:reveal)", "GET", `${SECRETS}/UI_SECRET/value`);
  expect(revealed.body.data.value).toBe(value);
  expectStatus(await ui("reveal an old version", "GET", `${SECRETS}/UI_SECRET/versions/1/value`), 200);
  expectStatus(await ui("delete secret dialog", "DELETE", `${SECRETS}/UI_SECRET`), 204);
  expectStatus(
    await t.send("ui: add secret without the CSRF token", "POST", SECRETS, {
      headers: { cookie: owner.cookie },
      as: { anonymous: true },
      body: { key: "UI_NO_CSRF", value },
    }),
    403,
  );
  expectStatus(
    await t.send("ui: a viewer adds a secret", "POST", SECRETS, {
      as: { session: viewer },
      body: { key: "UI_V", value },
    }),
    403,
  );
  expectStatus(
    await t.send("ui: a viewer reveals", "GET", `${SECRETS}/LEAK_VALUE/value`, { as: { session: viewer } }),
    403,
  );

  expectStatus(await ui("members page", "GET", `/v1/projects/${PROJECT}/members`), 200);
  expectStatus(await ui("audit page", "GET", `/v1/audit?project=${PROJECT}&limit=50`), 200);
  expectStatus(
    await ui("audit page, filtered", "GET", `/v1/audit?project=${PROJECT}&action=secret.reveal&limit=50`),
    200,
  );
  expectStatus(await ui("tokens page", "GET", "/v1/tokens"), 200);
  const created = await ui("create token page", "POST", "/v1/tokens", {
    name: "from-ui",
    projects: [PROJECT],
    environments: [ENV],
    permissions: ["secrets:reveal"],
  });
  expectStatus(created, 201);
  expectStatus(await ui("tokens page: revoke", "DELETE", `/v1/tokens/${created.body.id}`), 204);
}
