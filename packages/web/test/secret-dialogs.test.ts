// The secret dialogs in a real browser: Add (the seeds' messages and the server's, inline), Edit ("No
// changes to save"), the typed Delete confirmation, Versions with rollback, and keyboard-only use.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeInBrowser,
  descriptionOf,
  eventually,
  focusIsInDialog,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
} from "./support/browser.ts";
import { ensureWebBuild } from "./support/build.ts";
import { type DevServer, seedSecrets, startDevServer } from "./support/server.ts";

type Secret = {
  key: string;
  version: number;
  description: string;
  type: string;
  fields: string[];
  metadata: object;
};

describeInBrowser("the secret dialogs", () => {
  let server: DevServer;
  let browser: Browser;
  const base = "/v1/projects/shop/environments";

  beforeAll(async () => {
    await ensureWebBuild();
    [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
    await server.api("POST", "/v1/projects", {
      slug: "shop",
      name: "Shop",
      description: "The web shop and its workers",
    });
    await seedSecrets(server, "shop", "production", [
      {
        key: "DATABASE_URL",
        value: "postgres://shop",
        description: "Primary Postgres database",
        type: "connection-string",
      },
      {
        key: "STRIPE_API_KEY",
        value: "sk_live_1",
        description: "Charges cards at checkout",
        type: "api-key",
      },
      { key: "SLACK_BOT_TOKEN", value: "xoxb-1", description: "Posts order alerts to #shop", type: "token" },
      { key: "OLD_WEBHOOK_SECRET", value: "whsec_1", description: "Legacy webhook, to be removed" },
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openEnvironment(environment = "production"): Promise<Page> {
    const { page } = await openPage(browser, server.url);
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto(`/projects/shop/env/${environment}`);
    await page.getByRole("button", { name: "Add Secret" }).waitFor();
    return page;
  }

  const secret = (key: string, environment = "production") =>
    server.api<Secret>("GET", `${base}/${environment}/secrets/${encodeURIComponent(key)}`);

  it("creates a secret with the keyboard alone, focus returning to Add Secret", async () => {
    const page = await openEnvironment("development");
    // Tab from the page's heading to the Add Secret button: every control on the way is reachable.
    for (let presses = 0; presses < 15; presses++) {
      const name = await page.evaluate(() => document.activeElement?.textContent?.trim());
      if (name === "Add Secret") break;
      await page.keyboard.press("Tab");
    }
    await eventually(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      "Add Secret",
    );
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Add Secret" }).waitFor();
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("class"))).toContain(
      "mono",
    );
    await page.keyboard.type("KEYBOARD_ONLY");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe("password");
    await page.keyboard.type("typed-with-keys");
    await page.keyboard.press("Enter");

    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.getByRole("rowheader", { name: "KEYBOARD_ONLY" }).waitFor();
    await eventually(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      "Add Secret",
    );
    expect(await page.getByRole("status").textContent()).toContain("KEYBOARD_ONLY created");
    expect(await secret("KEYBOARD_ONLY", "development")).toMatchObject({ version: 1, type: "generic" });

    // The row's actions are reachable too: Tab on to its Edit button and open it with Enter.
    for (let presses = 0; presses < 15; presses++) {
      if (
        (await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))) ===
        "Edit KEYBOARD_ONLY"
      ) {
        break;
      }
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Edit Secret" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Edit KEYBOARD_ONLY",
    );
    await page.context().close();
  });

  it("keeps focus inside an open dialog, closes it with Escape and gives focus back", async () => {
    const page = await openEnvironment();
    await page.getByRole("button", { name: "Add Secret" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Add Secret" }).waitFor();
    for (let presses = 0; presses < 25; presses++) {
      await page.keyboard.press("Tab");
      expect(await focusIsInDialog(page)).toBe(true);
    }
    for (let presses = 0; presses < 25; presses++) {
      await page.keyboard.press("Shift+Tab");
      expect(await focusIsInDialog(page)).toBe(true);
    }
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await eventually(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      "Add Secret",
    );
    await page.context().close();
  });

  it("says “Secret key is required” and “Secret value is required” next to the fields", async () => {
    const page = await openEnvironment();
    await page.getByRole("button", { name: "Add Secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Add Secret" });
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    expect(await descriptionOf(dialog.getByLabel("Secret Key"))).toContain("Secret key is required");
    expect(await descriptionOf(dialog.getByLabel("Secret Value"))).toContain("Secret value is required");
    expect(await dialog.getByLabel("Secret Key").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "add-secret-errors");

    // The value alone still misses the key, and the other way round.
    await dialog.getByLabel("Secret Value").fill("something");
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    expect(await descriptionOf(dialog.getByLabel("Secret Key"))).toContain("Secret key is required");
    expect(await descriptionOf(dialog.getByLabel("Secret Value"))).not.toContain("required");
    await page.context().close();
  });

  it("shows the server's errors next to the field they name", async () => {
    const page = await openEnvironment();
    await page.getByRole("button", { name: "Add Secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Add Secret" });
    const key = dialog.getByLabel("Secret Key");

    await key.fill("1BAD");
    await dialog.getByLabel("Secret Value").fill("v");
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    await eventually(() => descriptionOf(key)).toContain(
      'Secret key segment "1BAD" must start with a letter',
    );
    // Focus moves to the field in error.
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("aria-invalid"))).toBe(
      "true",
    );

    await key.fill("DATABASE_URL");
    await dialog.getByLabel("Secret Value").fill("v");
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    await eventually(() => descriptionOf(key)).toContain('A secret with key "DATABASE_URL" already exists');

    await key.fill("TOO_LONG_TYPE");
    await dialog.getByLabel("Secret Value").fill("v");
    await dialog.getByLabel("Type").fill("t".repeat(65));
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    await eventually(() => descriptionOf(dialog.getByLabel("Type"))).toContain(
      "Type must be at most 64 characters",
    );
    expect(await descriptionOf(key)).not.toContain("already exists");
    await page.context().close();
  });

  it("creates a multi-field secret with a description, a type and metadata", async () => {
    const page = await openEnvironment();
    await page.getByRole("button", { name: "Add Secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Add Secret" });
    await dialog.getByLabel("Secret Key").fill("payments/db");
    await dialog.getByLabel("Secret Value").fill("db.internal");
    await dialog.getByRole("button", { name: "Add field" }).click();
    await dialog.getByRole("button", { name: "Add field" }).click();
    // The value typed before naming the fields is kept in the first row.
    expect(await dialog.getByLabel("Field 1 value").inputValue()).toBe("db.internal");
    await dialog.getByLabel("Field 1 name").fill("host");
    await dialog.getByLabel("Field 2 name").fill("username");
    await dialog.getByLabel("Field 2 value").fill("shop");
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    expect(await descriptionOf(dialog.getByLabel("Field 3 name"))).toContain("Field name is required");
    expect(await descriptionOf(dialog.getByLabel("Field 3 value"))).toContain("Secret value is required");

    await dialog.getByLabel("Field 3 name").fill("password");
    await dialog.getByLabel("Field 3 value").fill("hunter2-but-longer");
    await dialog.getByLabel("Description").fill("Payments database credentials");
    await dialog.getByLabel("Type").fill("password");
    await dialog.getByRole("button", { name: "Add metadata" }).click();
    await dialog.getByLabel("Metadata key 1").fill("owner");
    await dialog.getByLabel("Metadata value 1").fill("payments-team");
    await dialog.getByRole("button", { name: "Create Secret" }).click();
    await dialog.waitFor({ state: "detached" });

    expect(await secret("payments/db")).toMatchObject({
      fields: ["host", "username", "password"],
      description: "Payments database credentials",
      type: "password",
      metadata: { owner: "payments-team" },
    });
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /payments\/db/ }) });
    expect(await row.textContent()).toContain("3 fields");
    await page.context().close();
  });

  it("edits with the key read-only, keeps an empty value, and says “No changes to save”", async () => {
    const page = await openEnvironment();
    await page.getByRole("button", { name: "Edit STRIPE_API_KEY" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit Secret" });
    expect(await dialog.getByLabel("Secret Key").inputValue()).toBe("STRIPE_API_KEY");
    expect(await dialog.getByLabel("Secret Key").getAttribute("readonly")).not.toBeNull();
    expect(await dialog.getByLabel("New Value").getAttribute("type")).toBe("password");
    // The current value is never shown, not even here.
    expect(await dialog.getByLabel("New Value").inputValue()).toBe("");
    await screenshot(page, "edit-secret");

    await dialog.getByRole("button", { name: "Update Secret" }).click();
    expect(await dialog.getByRole("alert").textContent()).toBe("No changes to save");

    // A new description alone: the value (and so the version) stays.
    await dialog.getByLabel("Description").fill("Charges cards at checkout (live mode)");
    await dialog.getByRole("button", { name: "Update Secret" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await secret("STRIPE_API_KEY")).toMatchObject({
      version: 1,
      description: "Charges cards at checkout (live mode)",
    });

    // A new value makes a new version.
    await page.getByRole("button", { name: "Edit STRIPE_API_KEY" }).click();
    await dialog.getByLabel("New Value").fill("sk_live_2");
    await dialog.getByRole("button", { name: "Update Secret" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await secret("STRIPE_API_KEY")).version).toBe(2);
    await page.getByText(`v2 · ${server.admin.email}`).waitFor();
    await page.context().close();
  });

  it("deletes only once the key is typed, after warning that it is permanent", async () => {
    const page = await openEnvironment();
    await page.getByRole("button", { name: "Delete OLD_WEBHOOK_SECRET" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete secret" });
    const text = await dialog.textContent();
    expect(text).toContain("OLD_WEBHOOK_SECRET");
    expect(text).toContain("Deleting a secret is permanent and cannot be undone.");
    const confirm = dialog.getByRole("button", { name: "Delete", exact: true });
    expect(await confirm.isDisabled()).toBe(true);

    const typed = dialog.getByLabel("Type OLD_WEBHOOK_SECRET to confirm");
    await typed.fill("OLD_WEBHOOK");
    expect(await confirm.isDisabled()).toBe(true);
    await typed.fill("old_webhook_secret");
    expect(await confirm.isDisabled()).toBe(true);
    await typed.fill("OLD_WEBHOOK_SECRET");
    expect(await confirm.isDisabled()).toBe(false);
    await screenshot(page, "delete-secret");

    // Cancel keeps it.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await secret("OLD_WEBHOOK_SECRET");

    await page.getByRole("button", { name: "Delete OLD_WEBHOOK_SECRET" }).click();
    await dialog.getByLabel("Type OLD_WEBHOOK_SECRET to confirm").fill("OLD_WEBHOOK_SECRET");
    await confirm.click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("rowheader", { name: "OLD_WEBHOOK_SECRET" }).waitFor({ state: "detached" });
    await expect(secret("OLD_WEBHOOK_SECRET")).rejects.toThrow(/404/);
    // Its Delete button is gone: focus lands on the page heading rather than nowhere.
    await eventually(() => page.evaluate(() => document.activeElement?.tagName)).toBe("H1");
    await page.context().close();
  });

  it("lists the versions and rolls back only after confirming", async () => {
    await server.api("PATCH", `${base}/production/secrets/SLACK_BOT_TOKEN`, { value: "xoxb-2" });
    await server.api("PATCH", `${base}/production/secrets/SLACK_BOT_TOKEN`, { value: "xoxb-3" });
    const page = await openEnvironment();
    await page.getByRole("button", { name: "Versions of SLACK_BOT_TOKEN" }).click();
    const dialog = page.getByRole("dialog", { name: "Versions of SLACK_BOT_TOKEN" });
    await dialog.getByRole("rowheader", { name: /v1/ }).waitFor();
    expect(await dialog.getByRole("row").count()).toBe(4);
    expect(await dialog.getByRole("rowheader", { name: /v3/ }).textContent()).toContain("current");
    expect(await dialog.getByRole("row").nth(1).textContent()).toContain("dev-root");

    await dialog.getByRole("button", { name: "Roll back to version 1" }).click();
    const question = dialog.getByRole("group");
    expect(await question.textContent()).toContain("Roll back SLACK_BOT_TOKEN to version 1?");
    await screenshot(page, "versions");
    await question.getByRole("button", { name: "Cancel" }).click();
    expect((await secret("SLACK_BOT_TOKEN")).version).toBe(3);

    await dialog.getByRole("button", { name: "Roll back to version 1" }).click();
    await dialog.getByRole("group").getByRole("button", { name: "Roll back to version 1" }).click();
    await dialog.getByText("Rolled back to version 1: it is now version 4.").waitFor();
    await dialog.getByRole("rowheader", { name: /v4/ }).waitFor();
    expect((await secret("SLACK_BOT_TOKEN")).version).toBe(4);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.getByText(`v4 · ${server.admin.email}`).waitFor();
    await page.context().close();
  });
});
