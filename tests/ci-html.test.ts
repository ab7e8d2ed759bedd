/**
 * The HTML report in a real browser: Debian's chromium, driven by playwright-core, opens
 * report.html from a real run of the tiny broken driver with no network, finds the verdict, the
 * clause-by-cell matrix with the failed clauses marked, and each test's details, logs no console
 * error, and saves a screenshot under reports/.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportSchema } from "../harness/report/model.ts";
import { cli, DRIVERS, TINY_SUITES } from "./support/cli.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "driver-cert-html-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("report.html", () => {
  test("renders the verdict and the clause-by-cell matrix in headless Chromium, offline, with no console error", {
    timeout: 180_000,
  }, async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing: .ci/run installs Debian's chromium`).toBe(
      true,
    );
    const outDir = join(dir, "reports");
    const run = await cli([
      "run",
      `${DRIVERS}/tiny-broken-driver.ts`,
      ...TINY_SUITES,
      "--workers",
      "1",
      "--out",
      outDir,
    ]);
    expect(run.code).toBe(1);
    const report = reportSchema.parse(
      JSON.parse(await readFile(join(outDir, "report.json"), "utf8")),
    );
    const html = await readFile(join(outDir, "report.html"), "utf8");
    // Self-contained: nothing to fetch.
    expect(html).not.toMatch(/<(script|link|img|iframe)\b|url\(|@import|https?:\/\//i);

    const profile = join(dir, "profile");
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", ...FLAGS],
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("request", (request) => requests.push(request.url()));
      const url = pathToFileURL(join(outDir, "report.html")).href;
      await page.goto(url);
      expect(await page.textContent("#verdict")).toBe("FAIL");
      expect(await page.locator("#matrix").isVisible()).toBe(true);
      const rows = await page.locator("#matrix tbody tr").count();
      const cited = new Set(report.tests.map((t) => t.clause));
      expect(rows).toBe(cited.size);
      // The failed MUST clauses are marked in the cell their test ran in.
      for (const [clause, status] of [
        ["MGR-5", "fail"],
        ["MGR-2", "timeout"],
        ["MGR-3", "pass"],
      ]) {
        const cell = page.locator(
          `#matrix td[data-clause="${clause}"][data-cell="http/websocket/cbor"]`,
        );
        expect(await cell.getAttribute("data-status")).toBe(status);
      }
      const sse = page.locator('#matrix td[data-clause="CONN-1"][data-cell="http/sse/json"]');
      expect(await sse.getAttribute("data-status")).toBe("unsupported");
      // Each test has its details; a failure's are open and say what went wrong.
      expect(await page.locator("details.test").count()).toBe(report.tests.length);
      const failed = page.locator(
        'details.test[data-id="tiny-manager/createactor-on-a-taken-name-and-key-rejects-with-actor-already-exists"]',
      );
      expect(await failed.getAttribute("open")).not.toBeNull();
      const text = await failed.textContent();
      expect(text).toContain("expectedtrue");
      expect(text).toContain("actualfalse");
      expect(text).toContain("rerundriver-cert run tests/fixtures/drivers/tiny-broken-driver.ts");
      // The timeout names the line of the suite that declares the test.
      const timeout = await page
        .locator('details.test[data-id="tiny-manager/get-for-id-unknown"]')
        .textContent();
      expect(
        Number(/attests\/fixtures\/suites\/tiny-suites\.ts:(\d+)/.exec(timeout ?? "")?.[1]),
      ).toBeGreaterThan(20);
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      const reportsDir = resolve("reports");
      await mkdir(reportsDir, { recursive: true });
      const shot = join(reportsDir, "report-html.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
    } finally {
      await context.close();
    }
  });
});
