// 10,000 secrets in one environment: the table and the overview stay quick, because the page holds one
// server page at a time and search runs on the server.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeInBrowser, eventually, launchBrowser, openPage, signIn } from "./support/browser.ts";
import { ensureWebBuild } from "./support/build.ts";
import { type DevServer, seedSecrets, startDevServer } from "./support/server.ts";

const COUNT = 10_000;
/** Generous for a shared CI machine; a client-side table of 10,000 rows would blow well past it. */
const QUICK_MS = 3_000;

describeInBrowser("an environment with 10,000 secrets", () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
    await server.api("POST", "/v1/projects", { slug: "huge", environments: ["production", "staging"] });
    const secrets = Array.from({ length: COUNT }, (_, i) => ({
      key: `KEY_${String(i).padStart(5, "0")}`,
      value: `value-${i}`,
      description: `Generated secret ${i}`,
    }));
    await Promise.all([
      seedSecrets(server, "huge", "production", secrets),
      seedSecrets(server, "huge", "staging", secrets.slice(0, 50)),
    ]);
    ({ page } = await openPage(browser, server.url));
    await signIn(page, server.admin.email, server.admin.password);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function timed(action: () => Promise<unknown>): Promise<number> {
    const started = performance.now();
    await action();
    return performance.now() - started;
  }

  it("opens the table on its first page, and pages and searches without loading the rest", async () => {
    const opened = await timed(async () => {
      await page.goto("/projects/huge/env/production");
      await page.getByRole("rowheader", { name: "KEY_00049" }).waitFor();
    });
    expect(opened).toBeLessThan(QUICK_MS);
    expect(await page.getByRole("rowheader").count()).toBe(50);

    const paged = await timed(async () => {
      await page.getByRole("button", { name: "Next" }).click();
      await page.getByRole("rowheader", { name: "KEY_00099" }).waitFor();
    });
    expect(paged).toBeLessThan(QUICK_MS);
    expect(await page.getByRole("rowheader").count()).toBe(50);

    const searched = await timed(async () => {
      await page.getByLabel("Search secrets").fill("KEY_09876");
      await page.getByRole("rowheader", { name: "KEY_09876" }).waitFor();
      await eventually(() => page.getByRole("rowheader").count()).toBe(1);
    });
    expect(searched).toBeLessThan(QUICK_MS);
    await page.getByLabel("Search secrets").fill("secret 999");
    await eventually(() => page.getByRole("rowheader").allTextContents()).toEqual([
      "KEY_00999",
      ...Array.from({ length: 10 }, (_, i) => `KEY_0999${i}`),
    ]);
  });

  it("compares environments a page of keys at a time", async () => {
    const opened = await timed(async () => {
      await page.goto("/projects/huge");
      await page.getByRole("rowheader", { name: "KEY_00049" }).waitFor();
    });
    expect(opened).toBeLessThan(QUICK_MS);
    expect(await page.getByRole("rowheader").count()).toBe(50);
    await page.getByRole("button", { name: "Next" }).click();
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "KEY_00050" }) });
    expect((await row.getByRole("cell").allTextContents()).map((text) => text.trim())).toEqual([
      "✓ v1, present",
      "✕ Missing",
    ]);
  });
});
