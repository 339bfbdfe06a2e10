// Debian's Chromium driven by playwright-core: launching it (or saying loudly why not), pages that record
// every response they receive, and the screenshots the README shows.
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Request,
  type Response,
} from "playwright-core";
import { describe, expect, it } from "vitest";

export const CHROMIUM = process.env["COFFER_TEST_CHROMIUM"] ?? "/usr/bin/chromium";
const SCREENSHOTS = fileURLToPath(new URL("../../../../docs/screenshots/", import.meta.url));

/**
 * Browser suites run when Chromium is installed. Without it they are skipped with the reason printed,
 * except in CI (CI=true), where a missing browser is a failure: the UI would otherwise go untested.
 */
export function describeInBrowser(name: string, suite: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, suite);
    return;
  }
  const reason = `${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium) to run the browser tests`;
  if (process.env["CI"] === "true") {
    describe(name, () => {
      it("needs Chromium", () => {
        throw new Error(reason);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${reason}`);
  describe.skip(name, suite);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export type RecordedResponse = {
  url: string;
  status: number;
  /** The body; when it could not be read, why. */
  body: string;
  read: boolean;
  /** The page dropped the request before its body arrived (a superseded search, a closed view). */
  aborted: boolean;
};

export type TestPage = {
  context: BrowserContext;
  page: Page;
  /** Every response the page received so far, bodies read. */
  responses(): Promise<RecordedResponse[]>;
  /** Script errors and console errors (CSP violations show up here), not the 4xx answers Chrome logs. */
  errors: string[];
};

export async function openPage(
  browser: Browser,
  baseURL: string,
  viewport = { width: 1280, height: 800 },
): Promise<TestPage> {
  const context = await browser.newContext({ baseURL, viewport, locale: "en-US", timezoneId: "UTC" });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const pending: Promise<Omit<RecordedResponse, "aborted"> & { request: Request }>[] = [];
  const failed = new Set<Request>();
  const errors: string[] = [];
  page.on("requestfailed", (request) => failed.add(request));
  page.on("response", (response: Response) => {
    const base = { url: response.url(), status: response.status(), request: response.request() };
    pending.push(
      response.text().then(
        (body) => ({ ...base, body, read: true }),
        (error: Error) => ({ ...base, body: error.message, read: false }),
      ),
    );
  });
  const responses = async () =>
    (await Promise.all(pending)).map(({ request, ...response }) => ({
      ...response,
      aborted: failed.has(request),
    }));
  page.on("console", (message) => {
    // Chrome logs every 4xx answer; those the tests provoke are checked where they happen.
    const expected = /^Failed to load resource: the server responded with a status of 4\d\d/;
    if (message.type() === "error" && !expected.test(message.text())) errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors, responses };
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
}

/** The text of the elements a control's aria-describedby points at: where its error and hint are. */
export async function descriptionOf(control: Locator): Promise<string> {
  return control.evaluate((element) =>
    (element.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? "")
      .join(" "),
  );
}

/** Whether focus is inside the open dialog. */
export async function focusIsInDialog(page: Page): Promise<boolean> {
  return page.evaluate(() => document.activeElement?.closest("dialog[open]") != null);
}

/**
 * Saves docs/screenshots/<name>.png when UPDATE_SCREENSHOTS=1 or when it does not exist yet, so that
 * ordinary test runs do not rewrite the committed images; otherwise it is written to a temp directory.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string> {
  const update = process.env["UPDATE_SCREENSHOTS"] === "1";
  const committed = join(SCREENSHOTS, `${name}.png`);
  const path = update || !existsSync(committed) ? committed : join(scratchDir(), `${name}.png`);
  mkdirSync(join(path, ".."), { recursive: true });
  // Let the toast fade and the caret not blink into the picture.
  await page.screenshot({ path, fullPage: options.fullPage ?? false, animations: "disabled", caret: "hide" });
  return path;
}

let scratch: string | undefined;
function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), "coffer-screenshots-"));
  return scratch;
}

/** expect.poll with room for a loaded CI machine (its default gives up after one second). */
export function eventually<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 10_000, interval: 50 });
}
