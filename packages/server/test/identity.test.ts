import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asUser, createUser, secretsPath, signIn, startServer, type TestServer } from "./helpers.ts";

let coffer: TestServer;
const PASSWORD = "correct-horse-battery";

beforeAll(async () => {
  coffer = await startServer();
  await coffer.api("POST", "/v1/projects", { slug: "web" });
  await createUser(coffer, "dev@example.com");
  await coffer.api("POST", "/v1/projects/web/members", { email: "dev@example.com", role: "developer" });
});
afterAll(() => coffer.close());

describe("signing in", () => {
  it("sets an HttpOnly, SameSite=Strict session cookie and returns a CSRF token", async () => {
    const response = await fetch(`${coffer.url}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "Dev@Example.com", password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(
      /^coffer_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    expect(cookie).not.toContain("Secure");
    const body = (await response.json()) as { csrfToken: string; user: { email: string } };
    expect(body.user.email).toBe("dev@example.com");
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("answers a wrong password or an unknown email alike", async () => {
    for (const email of ["dev@example.com", "nobody@example.com"]) {
      const response = await coffer.api(
        "POST",
        "/v1/auth/login",
        { email, password: "wrong-password-1" },
        null,
      );
      expect(response.status).toBe(401);
      expect(response.body.error.message).toBe("Email or password is incorrect");
    }
  });

  it("lets a signed-in person read what their role allows, and not reveal values", async () => {
    await coffer.api("POST", secretsPath("web", "production"), { key: "K", value: "session-canary" });
    const session = await signIn(coffer, "dev@example.com", PASSWORD);
    const list = await asUser(coffer, session, "GET", secretsPath("web", "production"));
    expect(list.status).toBe(200);
    const reveal = await asUser(coffer, session, "GET", `${secretsPath("web", "production")}/K/value`);
    expect(reveal.status).toBe(403);
    expect(reveal.body.error.message).toBe('You lack the "secrets:reveal" permission on project "web"');
    const me = await asUser(coffer, session, "GET", "/v1/auth/me");
    expect(me.body).toMatchObject({
      kind: "user",
      user: { email: "dev@example.com" },
      csrfToken: session.csrfToken,
    });
  });
});

describe("CSRF", () => {
  it("refuses a cookie-authenticated change without the CSRF token", async () => {
    const session = await signIn(coffer, "dev@example.com", PASSWORD);
    const base = secretsPath("web", "development");
    const without = await asUser(coffer, session, "POST", base, { key: "CSRF", value: "v" }, { csrf: false });
    expect(without.status).toBe(403);
    expect(without.body.error.message).toContain("CSRF token");
    const wrong = await asUser(coffer, { ...session, csrfToken: "x".repeat(43) }, "POST", base, {
      key: "CSRF",
      value: "v",
    });
    expect(wrong.status).toBe(403);
    const right = await asUser(coffer, session, "POST", base, { key: "CSRF", value: "v" });
    expect(right.status).toBe(201);
    expect((await asUser(coffer, session, "GET", base, undefined, { csrf: false })).status).toBe(200);
  });
});

describe("sessions", () => {
  it("ends on sign-out: the cookie no longer works", async () => {
    const session = await signIn(coffer, "dev@example.com", PASSWORD);
    expect((await asUser(coffer, session, "POST", "/v1/auth/logout")).status).toBe(204);
    expect((await asUser(coffer, session, "GET", "/v1/projects")).status).toBe(401);
  });

  it("ends the other sessions when the password changes", async () => {
    await createUser(coffer, "pw@example.com");
    const first = await signIn(coffer, "pw@example.com", PASSWORD);
    const second = await signIn(coffer, "pw@example.com", PASSWORD);
    const wrong = await asUser(coffer, first, "POST", "/v1/auth/password", {
      currentPassword: "not-the-password",
      newPassword: "a-brand-new-password",
    });
    expect(wrong.status).toBe(400);
    const short = await asUser(coffer, first, "POST", "/v1/auth/password", {
      currentPassword: PASSWORD,
      newPassword: "short",
    });
    expect(short.body.error.message).toBe("Password must be at least 12 characters");
    const changed = await asUser(coffer, first, "POST", "/v1/auth/password", {
      currentPassword: PASSWORD,
      newPassword: "a-brand-new-password",
    });
    expect(changed.status).toBe(204);
    expect((await asUser(coffer, first, "GET", "/v1/projects")).status).toBe(200);
    expect((await asUser(coffer, second, "GET", "/v1/projects")).status).toBe(401);
    await expect(signIn(coffer, "pw@example.com", PASSWORD)).rejects.toThrow();
    expect((await signIn(coffer, "pw@example.com", "a-brand-new-password")).cookie).toMatch(
      /^coffer_session=/,
    );
  });
});

describe("brute force", () => {
  it("refuses the sixth failed sign-in inside the window with 429 and Retry-After", async () => {
    await createUser(coffer, "target@example.com");
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await coffer.api(
        "POST",
        "/v1/auth/login",
        { email: "target@example.com", password: `wrong-${attempt}-xxxxxx` },
        null,
      );
      expect(response.status, `attempt ${attempt}`).toBe(401);
    }
    const locked = await coffer.api(
      "POST",
      "/v1/auth/login",
      { email: "target@example.com", password: PASSWORD },
      null,
    );
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(locked.body.error.message).toMatch(
      /^Too many failed sign-in attempts; try again in \d+ seconds?$/,
    );
  });

  it("locks out a source that keeps presenting bad tokens", async () => {
    const fresh = await startServer();
    try {
      let last = 0;
      for (let attempt = 0; attempt < 25 && last !== 429; attempt++) {
        last = (await fresh.api("GET", "/v1/projects", undefined, `coffer_bad_${attempt}`)).status;
      }
      expect(last).toBe(429);
      const locked = await fresh.api("GET", "/v1/projects");
      expect(locked.status).toBe(429);
      expect(locked.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await fresh.close();
    }
  });
});

describe("members", () => {
  it("adds, changes and removes members, keeping at least one owner", async () => {
    await createUser(coffer, "owner@example.com");
    await createUser(coffer, "second@example.com");
    await coffer.api("POST", "/v1/projects", { slug: "team" });
    const added = await coffer.api("POST", "/v1/projects/team/members", {
      email: "owner@example.com",
      role: "owner",
    });
    expect(added.status).toBe(201);
    const owner = await signIn(coffer, "owner@example.com", PASSWORD);
    const second = await asUser(coffer, owner, "POST", "/v1/projects/team/members", {
      email: "second@example.com",
      role: "viewer",
    });
    expect(second.status).toBe(201);
    const unknownRole = await asUser(coffer, owner, "POST", "/v1/projects/team/members", {
      email: "dev@example.com",
      role: "superuser",
    });
    expect(unknownRole.body.error.message).toBe(
      'Unknown role "superuser"; roles are owner, admin, developer, viewer',
    );
    const lastOwner = await asUser(coffer, owner, "PATCH", `/v1/projects/team/members/${owner.userId}`, {
      role: "viewer",
    });
    expect(lastOwner.status).toBe(409);
    const list = await asUser(coffer, owner, "GET", "/v1/projects/team/members");
    expect(list.body.members.map((m: { email: string; role: string }) => `${m.email}:${m.role}`)).toEqual([
      "owner@example.com:owner",
      "second@example.com:viewer",
    ]);
    const removed = await asUser(coffer, owner, "DELETE", `/v1/projects/team/members/${second.body.userId}`);
    expect(removed.status).toBe(204);
  });

  it("lets only an owner grant secrets:reveal, and the grant takes effect at once", async () => {
    await createUser(coffer, "admin-role@example.com");
    await createUser(coffer, "reader@example.com");
    await coffer.api("POST", "/v1/projects", { slug: "grants" });
    await coffer.api("POST", secretsPath("grants", "production"), { key: "G", value: "granted-value" });
    await coffer.api("POST", "/v1/projects/grants/members", {
      email: "admin-role@example.com",
      role: "admin",
    });
    await coffer.api("POST", "/v1/projects/grants/members", {
      email: "reader@example.com",
      role: "developer",
    });
    const admin = await signIn(coffer, "admin-role@example.com", PASSWORD);
    const reader = await signIn(coffer, "reader@example.com", PASSWORD);
    const readerId = reader.userId;
    const refused = await asUser(coffer, admin, "PATCH", `/v1/projects/grants/members/${readerId}`, {
      permissions: ["secrets:reveal"],
    });
    expect(refused.status).toBe(403);
    expect(
      (await asUser(coffer, reader, "GET", `${secretsPath("grants", "production")}/G/value`)).status,
    ).toBe(403);
    const granted = await coffer.api("PATCH", `/v1/projects/grants/members/${readerId}`, {
      permissions: ["secrets:reveal"],
    });
    expect(granted.status).toBe(200);
    const reveal = await asUser(coffer, reader, "GET", `${secretsPath("grants", "production")}/G/value`);
    expect(reveal.body.data.value).toBe("granted-value");
  });
});

describe("the first administrator", () => {
  it("is created from COFFER_ADMIN_EMAIL and COFFER_ADMIN_PASSWORD on first start", async () => {
    const { serve, generateMasterKey } = await import("@coffer/server");
    const { tempDir } = await import("./helpers.ts");
    const out: string[] = [];
    const server = await serve(
      ["--port", "0", "--data-dir", tempDir()],
      {
        COFFER_MASTER_KEY: generateMasterKey(),
        COFFER_ADMIN_EMAIL: "root@example.com",
        COFFER_ADMIN_PASSWORD: PASSWORD,
      },
      { write: (text: string) => out.push(text) },
    );
    try {
      expect(out.join("")).toContain("Created the first administrator root@example.com");
      expect(out.join("")).not.toContain("setup?token=");
      const login = await fetch(`${server.url}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "root@example.com", password: PASSWORD }),
      });
      expect(((await login.json()) as { user: { instanceAdmin: boolean } }).user.instanceAdmin).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("can otherwise be created once through the one-time setup link", async () => {
    const { serve, generateMasterKey } = await import("@coffer/server");
    const { tempDir } = await import("./helpers.ts");
    const out: string[] = [];
    const server = await serve(
      ["--port", "0", "--data-dir", tempDir()],
      { COFFER_MASTER_KEY: generateMasterKey() },
      {
        write: (text: string) => out.push(text),
      },
    );
    try {
      const token = /setup\?token=([A-Za-z0-9_-]+)/.exec(out.join(""))?.[1];
      expect(token).toBeDefined();
      const post = (body: unknown) =>
        fetch(`${server.url}/v1/setup`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await post({ token: "forged", email: "a@example.com", password: PASSWORD })).status).toBe(401);
      const created = await post({ token, email: "first@example.com", password: PASSWORD });
      expect(created.status).toBe(201);
      const again = await post({ token, email: "second@example.com", password: PASSWORD });
      expect(again.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
