// The project page in a real browser: the overview matrix, the secrets table's search, sort and pages, a
// narrow screen, and the promise that no value ever reaches the page.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeInBrowser,
  eventually,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
} from "./support/browser.ts";
import { ensureWebBuild } from "./support/build.ts";
import { type DevServer, seedSecrets, startDevServer } from "./support/server.ts";

const TYPES = ["api-key", "password", "token", "generic"];

describeInBrowser("the project pages", () => {
  let server: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
    await server.api("POST", "/v1/projects", {
      slug: "billing",
      name: "Billing API",
      description: "Payments, invoices and the card processor",
    });
    const common = [
      {
        key: "DATABASE_URL",
        value: "postgres://db",
        description: "Primary Postgres database",
        type: "connection-string",
      },
      { key: "STRIPE_API_KEY", value: "sk_test", description: "Charges cards at checkout", type: "api-key" },
      {
        key: "SLACK_BOT_TOKEN",
        value: "xoxb",
        description: "Posts payment alerts to #billing",
        type: "token",
      },
      { key: "payments/webhook", value: "whsec", description: "Verifies Stripe webhooks", type: "password" },
    ];
    await seedSecrets(server, "billing", "development", [
      ...common,
      { key: "SENTRY_DSN", value: "https://sentry", description: "Error reporting", type: "generic" },
    ]);
    await seedSecrets(server, "billing", "staging", [
      ...common,
      { key: "SENTRY_DSN", value: "https://sentry", description: "Error reporting", type: "generic" },
    ]);
    await seedSecrets(server, "billing", "production", common);
    await server.api("PATCH", "/v1/projects/billing/environments/production/secrets/STRIPE_API_KEY", {
      value: "sk_live",
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows keys × environments: present, missing from production, and differing in version", async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    await signIn(page, server.admin.email, server.admin.password);
    await screenshot(page, "projects");
    await page.getByRole("link", { name: "Billing API" }).click();
    await page.getByRole("tab", { name: "Overview", selected: true }).waitFor();
    const row = (key: string) =>
      page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: key }) });
    await row("SENTRY_DSN").waitFor();
    // Columns: development, staging, production.
    const cells = async (key: string) =>
      (await row(key).getByRole("cell").allTextContents()).map((t) => t.trim());
    expect(await cells("DATABASE_URL")).toEqual(["✓ v1, present", "✓ v1, present", "✓ v1, present"]);
    expect(await cells("SENTRY_DSN")).toEqual(["✓ v1, present", "✓ v1, present", "✕ Missing"]);
    expect(await cells("STRIPE_API_KEY")).toEqual(["≠ v1, differs", "≠ v1, differs", "≠ v2, differs"]);
    await screenshot(page, "overview");

    await page.getByLabel("Only keys missing or differing somewhere").check();
    await eventually(() => page.getByRole("rowheader").allTextContents()).toEqual([
      "SENTRY_DSN",
      "STRIPE_API_KEY",
    ]);

    // The missing production value can be added right from the matrix.
    await page.getByRole("button", { name: "Add SENTRY_DSN to production" }).click();
    const dialog = page.getByRole("dialog", { name: "Add Secret" });
    expect(await dialog.getByLabel("Secret Key").inputValue()).toBe("SENTRY_DSN");
    expect(await dialog.textContent()).toContain("billing / production");
    await dialog.getByLabel("Secret Value").fill("https://sentry-prod");
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    await dialog.waitFor({ state: "detached" });
    await eventually(() => page.getByRole("rowheader").allTextContents()).toEqual(["STRIPE_API_KEY"]);

    await page.getByRole("tab", { name: "Production" }).click();
    await page.getByRole("rowheader", { name: "SENTRY_DSN" }).waitFor();
    await screenshot(page, "secrets");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("searches, sorts and pages through an environment, one server page at a time", async () => {
    await server.api("POST", "/v1/projects", { slug: "fleet", environments: ["production"] });
    await seedSecrets(
      server,
      "fleet",
      "production",
      Array.from({ length: 120 }, (_, i) => ({
        key: `SVC_${String(i).padStart(3, "0")}`,
        value: `value-${i}`,
        description: i === 7 ? "The lucky one" : `Service number ${i}`,
        type: TYPES[i % TYPES.length]!,
      })),
    );
    const { page, context, errors } = await openPage(browser, server.url);
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto("/projects/fleet/env/production");
    const keys = () => page.getByRole("rowheader").allTextContents();
    await page.getByRole("rowheader", { name: "SVC_000" }).waitFor();
    expect(await keys()).toHaveLength(50);
    expect((await keys())[49]).toBe("SVC_049");
    expect(await page.getByText("Page 1 · secrets 1–50").count()).toBe(1);

    const next = page.getByRole("button", { name: "Next" });
    await next.click();
    await page.getByRole("rowheader", { name: "SVC_050" }).waitFor();
    await next.click();
    await page.getByRole("rowheader", { name: "SVC_100" }).waitFor();
    expect(await keys()).toHaveLength(20);
    expect(await next.getAttribute("aria-disabled")).toBe("true");
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByRole("rowheader", { name: "SVC_050" }).waitFor();

    await page.getByLabel("Per page").selectOption("100");
    await page.getByRole("rowheader", { name: "SVC_000" }).waitFor();
    await eventually(keys).toHaveLength(100);

    // Search covers keys and descriptions, on the server, across every page.
    await page.getByLabel("Search secrets").fill("svc_11");
    await eventually(keys).toEqual(Array.from({ length: 10 }, (_, i) => `SVC_11${i}`));
    await page.getByLabel("Search secrets").fill("lucky");
    await eventually(keys).toEqual(["SVC_007"]);
    await page.getByLabel("Search secrets").fill("nothing like this");
    await page.getByText("No secrets match “nothing like this”").waitFor();
    await page.getByLabel("Search secrets").fill("");
    await page.getByRole("rowheader", { name: "SVC_000" }).waitFor();

    // Sorting by type arranges the page; the header says which way.
    await page.getByRole("button", { name: "Type" }).click();
    const typeHeader = page.getByRole("columnheader", { name: /Type/ });
    expect(await typeHeader.getAttribute("aria-sort")).toBe("descending");
    await page.getByRole("button", { name: "Type" }).click();
    expect(await typeHeader.getAttribute("aria-sort")).toBe("ascending");
    const types = await page.locator("tbody td[data-label=Type]").allTextContents();
    expect(types).toEqual([...types].sort());
    expect(types[0]).toBe("api-key");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("works on a 390 px wide screen", async () => {
    const { page, context } = await openPage(browser, server.url, { width: 390, height: 844 });
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto("/projects/billing/env/production");
    await page.getByRole("rowheader", { name: "DATABASE_URL" }).waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "secrets-narrow", { fullPage: true });

    await page.getByRole("button", { name: "Add Secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Add Secret" });
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    await dialog.getByText("Secret key is required").waitFor();
    await screenshot(page, "add-secret-narrow");
    await page.keyboard.press("Escape");
    await context.close();
  });

  it("never puts a stored value in the page or in any response it receives", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    await server.api("POST", "/v1/projects", { slug: "vault", environments: ["production", "staging"] });
    const base = "/v1/projects/vault/environments/production/secrets";
    await server.api("POST", base, { key: "CANARY_SINGLE", value: `${canary}-1`, description: "watch me" });
    await server.api("POST", base, {
      key: "CANARY_FIELDS",
      fields: { username: `${canary}-user`, password: `${canary}-password` },
    });
    await server.api("PATCH", `${base}/CANARY_SINGLE`, { value: `${canary}-2` });
    // The values are really there, for a token allowed to reveal them.
    const revealed = await server.api<{ data: Record<string, string> }>("GET", `${base}/CANARY_SINGLE/value`);
    expect(revealed.data["value"]).toBe(`${canary}-2`);

    const { page, context, responses, errors } = await openPage(browser, server.url);
    const requested: string[] = [];
    page.on("request", (request) => requested.push(`${request.method()} ${request.url()}`));
    await signIn(page, server.admin.email, server.admin.password);
    await page.getByRole("link", { name: "vault" }).click();
    await page.getByRole("rowheader", { name: "CANARY_SINGLE" }).waitFor();
    await page.getByRole("tab", { name: "Production" }).click();
    await page.getByRole("rowheader", { name: "CANARY_FIELDS" }).waitFor();
    await page.getByLabel("Search secrets").fill("canary");
    await page.getByLabel("Search secrets").fill("watch");
    await eventually(() => page.getByRole("rowheader").allTextContents()).toEqual(["CANARY_SINGLE"]);
    await page.getByLabel("Search secrets").fill("");

    for (const key of ["CANARY_SINGLE", "CANARY_FIELDS"]) {
      await page.getByRole("button", { name: `Edit ${key}` }).click();
      await page.getByRole("dialog", { name: "Edit Secret" }).waitFor();
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: `Versions of ${key}` }).click();
      await page.getByRole("dialog").getByRole("rowheader", { name: /v1/ }).waitFor();
      expect(await page.content()).not.toContain(canary);
      await page.keyboard.press("Escape");
    }
    await page.getByRole("button", { name: "Versions of CANARY_SINGLE" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Roll back to version 1" }).click();
    await dialog.getByRole("group").getByRole("button", { name: "Roll back to version 1" }).click();
    await dialog.getByText("it is now version 3").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("link", { name: "Audit log" }).first().click();
    await page.getByRole("cell", { name: "secret.rollback" }).first().waitFor();

    // The DOM, including what form fields hold, and every response body the page received.
    expect(await page.content()).not.toContain(canary);
    const fieldValues = await page.evaluate(() =>
      [...document.querySelectorAll("input, textarea")]
        .map((el) => (el as HTMLInputElement).value)
        .join("\n"),
    );
    expect(fieldValues).not.toContain(canary);
    const received = await responses();
    expect(received.length).toBeGreaterThan(10);
    for (const response of received) {
      // Every body is read, but for 204s and requests the page itself abandoned.
      if (response.status !== 204 && !response.aborted) {
        expect(response.read, `body of ${response.url} (${response.status}): ${response.body}`).toBe(true);
      }
      expect(response.body, response.url).not.toContain(canary);
    }
    expect(received.some((response) => response.url.includes("/secrets?"))).toBe(true);
    // The UI never asks for a value.
    expect(requested.filter((line) => /\/values?(\?|$)/.test(line))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
