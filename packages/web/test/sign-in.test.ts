// The web UI's front door in a real browser: security headers, sign-in and sign-out, sessions that survive
// a reload, and the one-time setup page of a new instance.
import { generateMasterKey } from "@coffer/server";
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
import { type DevServer, type ServerProcess, startDevServer, startServer } from "./support/server.ts";

describeInBrowser("signing in to the web UI", () => {
  let server: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("serves every page with a strict Content-Security-Policy, no framing, no referrer and nosniff", async () => {
    const index = await (await fetch(`${server.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    for (const path of ["/", "/projects/billing/env/production", "/tokens", "/setup?token=x", script!]) {
      const response = await fetch(server.url + path);
      expect(response.status, path).toBe(200);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain("unsafe-inline");
      expect(csp, path).not.toContain("unsafe-eval");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
    }
    // The built page has no inline script for the policy to forbid.
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    // API paths keep their JSON 404 rather than getting the page.
    const api = await fetch(`${server.url}/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("checks the fields, shows the server's refusal, and signs in", async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(page, "sign-in");

    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await descriptionOf(page.getByLabel("Email"))).toContain("Email is required");
    expect(await descriptionOf(page.getByLabel("Password"))).toContain("Password is required");
    // Focus goes to the first field in error.
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("type"))).toBe("email");

    await page.getByLabel("Email").fill(server.admin.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/invalid|incorrect/i);
    // The refused password is not left in the field.
    expect(await page.getByLabel("Password").inputValue()).toBe("");

    await page.getByLabel("Password").fill(server.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("keeps the session across a reload, with a CSRF token that still works, and signs out", async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    await signIn(page, server.admin.email, server.admin.password);
    await page.reload();
    await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();

    // A state-changing request after the reload: the CSRF token came back from /v1/auth/me.
    await page.getByRole("button", { name: "New project" }).click();
    await page.getByLabel("Slug").fill("after-reload");
    await page.getByRole("button", { name: "Create project" }).click();
    // The heading shows the slug while the project loads, then its name ("After Reload", made from the slug).
    await page.getByRole("heading", { name: "After Reload", exact: true, level: 1 }).waitFor();
    expect(await server.api("GET", "/v1/projects/after-reload")).toMatchObject({ slug: "after-reload" });

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.getByText("You have signed out.").count()).toBe(1);
    // Signing out leaves the page it happened on for the start page.
    await page.waitForURL((url) => url.pathname === "/");
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("sends a person whose session ended back to the sign-in form", async () => {
    const { page, context } = await openPage(browser, server.url);
    await signIn(page, server.admin.email, server.admin.password);
    await context.clearCookies();
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByText("Your session has ended. Sign in again to continue.").waitFor();
    await context.close();
  });
});

describeInBrowser("the first-run setup page", () => {
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([
      startServer([], { COFFER_MASTER_KEY: generateMasterKey() }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("creates the first administrator from the one-time link, then signs them in", async () => {
    const link = /(http:\/\/\S+\/setup\?token=\S+)/.exec(server.output())?.[1];
    expect(link, server.output()).toBeDefined();
    const { page, context, errors } = await openPage(browser, server.url);

    await page.goto("/setup");
    expect(await page.getByRole("alert").textContent()).toContain("needs the setup link");

    await page.goto(link!);
    await page.getByRole("heading", { name: "Set up Coffer" }).waitFor();
    // The token leaves the address bar (and the history) as soon as the page has read it.
    expect(page.url()).toBe(`${server.url}/setup`);
    await screenshot(page, "setup");

    await page.getByLabel("Email").fill("founder@example.com");
    await page.getByLabel(/^Password/).fill("short");
    await page.getByLabel("Confirm password").fill("different");
    await page.getByRole("button", { name: "Create administrator" }).click();
    expect(await descriptionOf(page.getByLabel("Confirm password"))).toContain("The passwords do not match");

    // The server's own rule, shown next to the field it names.
    await page.getByLabel("Confirm password").fill("short");
    await page.getByRole("button", { name: "Create administrator" }).click();
    await eventually(() => descriptionOf(page.getByLabel(/^Password/))).toContain(
      "Password must be at least 12 characters",
    );

    const password = "correct horse battery staple";
    await page.getByLabel("Name").fill("Founder");
    await page.getByLabel(/^Password/).fill(password);
    await page.getByLabel("Confirm password").fill(password);
    await page.getByRole("button", { name: "Create administrator" }).click();
    await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
    expect(await page.getByText("Founder").count()).toBeGreaterThan(0);

    // The link worked once.
    const again = await fetch(`${server.url}/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        token: new URL(link!).searchParams.get("token"),
        email: "x@example.com",
        password,
      }),
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(errors).toEqual([]);
    await context.close();
  });
});
