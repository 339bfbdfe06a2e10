// API tokens, members and the audit log in a real browser.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeInBrowser,
  descriptionOf,
  eventually,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
} from "./support/browser.ts";
import { ensureWebBuild } from "./support/build.ts";
import { type DevServer, seedSecrets, startDevServer } from "./support/server.ts";

describeInBrowser("the administration pages", () => {
  let server: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
    await server.api("POST", "/v1/projects", { slug: "billing", name: "Billing API" });
    await server.api("POST", "/v1/projects", { slug: "search", name: "Search" });
    await server.api("POST", "/v1/users", {
      email: "dana@example.com",
      name: "Dana Developer",
      password: "a long enough password",
    });
    await server.api("POST", "/v1/users", {
      email: "olu@example.com",
      name: "Olu",
      password: "a long enough password",
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("creates a scoped, expiring token, shows it once with a copy button, and revokes it", async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    await signIn(page, server.admin.email, server.admin.password);
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("heading", { name: "API tokens", level: 1 }).waitFor();

    await page.getByRole("button", { name: "Create token" }).click();
    const dialog = page.getByRole("dialog", { name: "Create API token" });
    await dialog.getByRole("checkbox", { name: "secrets:list" }).uncheck();
    await dialog.getByRole("button", { name: "Create token" }).click();
    expect(await descriptionOf(dialog.getByLabel(/^Name/))).toContain("Token name is required");
    expect(await dialog.textContent()).toContain("Choose at least one project");
    expect(await dialog.textContent()).toContain("Choose at least one permission");

    await dialog.getByLabel(/^Name/).fill("billing CI");
    await dialog.getByRole("checkbox", { name: "billing" }).check();
    await dialog.getByRole("checkbox", { name: /secrets:list/ }).check();
    await dialog.getByRole("checkbox", { name: /secrets:create/ }).check();
    // The server's rule for environment slugs, next to the field.
    await dialog.getByLabel(/^Environments/).fill("Not A Slug");
    await dialog.getByRole("button", { name: "Create token" }).click();
    await eventually(() => descriptionOf(dialog.getByLabel(/^Environments/))).toContain(
      "must start with a lowercase letter",
    );

    await dialog.getByLabel(/^Environments/).fill("production");
    await dialog.getByLabel("Expires").selectOption({ label: "7 days" });
    await dialog.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByRole("dialog", { name: "Token created" });
    await shown.waitFor();
    const token = await shown.getByLabel(/Token for/).inputValue();
    expect(token).toMatch(/^coffer_/);
    expect(await shown.textContent()).toContain("shown only once");
    await screenshot(page, "token-created");
    await shown.getByRole("button", { name: "Copy" }).click();
    await shown.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

    // The token works, within its scope.
    const list = (path: string) =>
      fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } });
    expect((await list("/v1/projects/billing/environments/production/secrets")).status).toBe(200);
    expect((await list("/v1/projects/billing/environments/staging/secrets")).status).toBe(404);

    await shown.getByRole("button", { name: "Done" }).click();
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "billing CI" }) });
    await row.waitFor();
    expect(await row.textContent()).toContain("secrets:create");
    // Once closed, the token is nowhere in the page.
    expect(await page.content()).not.toContain(token);
    await screenshot(page, "tokens");

    await row.getByRole("button", { name: "Revoke billing CI" }).click();
    const revoke = page.getByRole("dialog", { name: "Revoke token" });
    await revoke.getByRole("button", { name: "Revoke token" }).click();
    await row.waitFor({ state: "detached" });
    expect((await list("/v1/projects/billing/environments/production/secrets")).status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("adds members by email, changes their role and removes them", async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto("/projects/billing");
    await page.getByRole("link", { name: "Members" }).click();
    await page.getByRole("heading", { name: "Members", level: 1 }).waitFor();

    const email = page.getByLabel(/^Email/);
    await page.getByRole("button", { name: "Add member" }).click();
    expect(await descriptionOf(email)).toContain("Email is required");
    await email.fill("nobody@example.com");
    await page.getByRole("button", { name: "Add member" }).click();
    await eventually(() => descriptionOf(email)).toContain('No user with email "nobody@example.com"');

    await email.fill("dana@example.com");
    await page.getByLabel("Role", { exact: true }).selectOption("developer");
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByRole("rowheader", { name: "Dana Developer" }).waitFor();
    await email.fill("olu@example.com");
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByRole("rowheader", { name: "Olu" }).waitFor();
    await screenshot(page, "members");

    type Member = { email: string; role: string };
    const members = async () =>
      (await server.api<{ members: Member[] }>("GET", "/v1/projects/billing/members")).members;
    expect(await members()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: "dana@example.com", role: "developer" }),
        expect.objectContaining({ email: "olu@example.com", role: "viewer" }),
      ]),
    );

    await page.getByLabel("Role of dana@example.com").selectOption("admin");
    await eventually(
      async () => (await members()).find((member) => member.email === "dana@example.com")?.role,
    ).toBe("admin");

    await page.getByRole("button", { name: "Remove olu@example.com" }).click();
    await page
      .getByRole("dialog", { name: "Remove member" })
      .getByRole("button", { name: "Remove member" })
      .click();
    await page.getByRole("rowheader", { name: "Olu" }).waitFor({ state: "detached" });
    expect((await members()).map((member) => member.email)).not.toContain("olu@example.com");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("filters the audit log and pages through it", async () => {
    await seedSecrets(
      server,
      "search",
      "production",
      Array.from({ length: 60 }, (_, i) => ({ key: `INDEX_${String(i).padStart(2, "0")}`, value: `v${i}` })),
    );
    await server.api(
      "DELETE",
      "/v1/projects/search/environments/production/secrets/INDEX_00",
      undefined,
      204,
    );
    const { page, context, errors } = await openPage(browser, server.url);
    await signIn(page, server.admin.email, server.admin.password);
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    await page.getByRole("cell", { name: "secret.delete" }).first().waitFor();
    await screenshot(page, "audit-log");

    await page.getByLabel("Project").selectOption("search");
    await page.getByLabel("Action").fill("secret.create");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/action=secret.create/);
    const actions = () => page.locator("tbody td[data-label=Action]").allTextContents();
    await eventually(actions).toHaveLength(50);
    expect(new Set(await actions())).toEqual(new Set(["secret.create"]));
    // Newest first: the last secrets created come on the first page.
    const targets = () => page.locator("tbody td[data-label=Target]").allTextContents();
    expect((await targets()).every((target) => target.startsWith("search / production / INDEX_"))).toBe(true);

    await page.getByRole("button", { name: "Next" }).click();
    await eventually(actions).toHaveLength(10);
    expect(await page.getByText("Page 2 · events 51–60").count()).toBe(1);
    await page.getByRole("button", { name: "Previous" }).click();
    await eventually(actions).toHaveLength(50);

    await page.getByLabel("Secret key").fill("INDEX_00");
    await page.getByLabel("Action").fill("");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await eventually(actions).toEqual(["secret.delete", "secret.create"]);

    // The filters survive a reload: they are the address.
    await page.reload();
    expect(await page.getByLabel("Secret key").inputValue()).toBe("INDEX_00");
    // The server's rule for a filter shows next to it.
    await page.goto("/audit?since=yesterday");
    await eventually(() => descriptionOf(page.getByLabel("From"))).toMatch(/since.*(date-time|ISO 8601)/);
    await page.getByRole("button", { name: "Clear" }).click();
    await page.waitForURL((url) => url.search === "");
    expect(await page.getByLabel("Secret key").inputValue()).toBe("");
    expect(errors).toEqual([]);
    await context.close();
  });
});
