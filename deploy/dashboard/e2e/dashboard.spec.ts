import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { ARTIFACTS, apiGet, auth, collectErrors, gatewayPid, importExport, open, seedProposals } from "./system";

type Stats = { total: number };
type Page = { items: { key: string; classification: string | null }[] };

const PAGES = [
  { name: "overview", path: "/", ready: "[data-testid=overview-total]" },
  { name: "messages", path: "/messages", ready: "[data-testid=message-feed]" },
  { name: "proposals", path: "/proposals", ready: "[role=tablist]" },
  { name: "tasks", path: "/tasks", ready: "[data-testid=task-board]" },
  { name: "search", path: "/search?q=%D1%80%D0%B5%D0%BB%D1%96%D0%B7&mode=keyword", ready: "[data-testid=search-results]" },
  { name: "jobs", path: "/jobs", ready: "form[aria-labelledby=start-title]" },
];

const digits = (text: string | null) => Number((text ?? "").replace(/\D/g, ""));

test("every page opens live without console errors, in Ukrainian and English, at laptop and phone widths", async ({ page }) => {
  const errors = collectErrors(page);
  for (const viewport of [
    { name: "laptop", width: 1280, height: 800 },
    { name: "phone", width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    for (const p of PAGES) {
      await open(page, p.path);
      await expect(page.locator(p.ready).first()).toBeVisible();
      await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "open");
      await page.screenshot({ path: `${ARTIFACTS}/${p.name}-${viewport.name}.png`, fullPage: true });
    }
  }
  await expect(page.locator("html")).toHaveAttribute("lang", "uk");
  await page.getByTestId("language").selectOption("en");
  await expect(page.getByRole("link", { name: "Messages" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  expect(errors).toEqual([]);
});

test("the overview's message count is the API's", async ({ page, request }) => {
  await open(page, "/");
  const stats = await apiGet<Stats>(request, "/api/v1/noise/stats");
  await expect.poll(async () => digits(await page.getByTestId("overview-total").textContent())).toBe(stats.total);
});

test("an override made with the keyboard in one tab shows in a second tab without a reload", async ({ context, request }) => {
  const first = (await apiGet<Page>(request, "/api/v1/messages?limit=1")).items[0];
  const target = first.classification === "signal" ? "noise" : "signal";
  const watcher = await context.newPage();
  await open(watcher, `/messages?key=${encodeURIComponent(first.key)}`);
  const detail = watcher.getByTestId("message-detail");
  await expect(detail.locator(".meta .badge")).toHaveAttribute("data-class", first.classification ?? "unscored");
  await expect(watcher.getByTestId("connection")).toHaveAttribute("data-state", "open");
  await watcher.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

  const reviewer = await context.newPage();
  await open(reviewer, "/messages");
  await expect(reviewer.getByTestId("message-feed")).toBeVisible();
  await reviewer.keyboard.press("j");
  await expect(reviewer.locator(`.feed-item[aria-current=true]`)).toHaveAttribute("data-key", first.key);
  await reviewer.keyboard.press(target === "signal" ? "s" : "n");

  await expect(detail.locator(".meta .badge")).toHaveAttribute("data-class", target);
  await expect(watcher.locator(`.feed-item[data-key="${first.key}"] .badge`)).toHaveAttribute("data-class", target);
  expect(await watcher.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1); // same document
  await watcher.screenshot({ path: `${ARTIFACTS}/override-second-tab.png`, fullPage: true });
});

test("killing the gateway shows reconnecting, then the page catches up with what happened meanwhile", async ({ page, request }) => {
  await open(page, "/");
  const badge = page.getByTestId("connection");
  await expect(badge).toHaveAttribute("data-state", "open");
  const before = await apiGet<Stats>(request, "/api/v1/noise/stats");
  await expect.poll(async () => digits(await page.getByTestId("overview-total").textContent())).toBe(before.total);
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

  const pid = gatewayPid();
  expect(pid, "the gateway process of this tracker run").not.toBeNull();
  process.kill(pid!, "SIGKILL");
  await expect(badge).toHaveAttribute("data-state", "reconnecting");
  await page.screenshot({ path: `${ARTIFACTS}/reconnecting.png` });

  // While the gateway is down, two messages reach the bus; the restarted gateway projects them.
  const dir = mkdtempSync(join(tmpdir(), "tt-e2e-"));
  const file = join(dir, "result.json");
  const sent = Math.floor(Date.now() / 1000);
  writeFileSync(
    file,
    JSON.stringify({
      name: "E2E reconnect",
      type: "private_supergroup",
      id: 990000000 + (sent % 100000),
      messages: [1, 2].map((id) => ({
        id,
        type: "message",
        date: new Date((sent + id) * 1000).toISOString().slice(0, 19),
        date_unixtime: String(sent + id),
        from: "E2E",
        from_id: "user990001",
        text: `Реліз перенесено на понеділок, крок ${id}: оновіть, будь ласка, план`,
      })),
    }),
  );
  importExport(file);

  await expect(badge).toHaveAttribute("data-state", "open", { timeout: 60_000 });
  await expect
    .poll(async () => digits(await page.getByTestId("overview-total").textContent()), { timeout: 60_000 })
    .toBe(before.total + 2);
  const after = await apiGet<Stats>(request, "/api/v1/noise/stats");
  expect(after.total).toBe(before.total + 2);
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1); // no reload
  await page.screenshot({ path: `${ARTIFACTS}/caught-up.png`, fullPage: true });
});

test("approving a proposal by keyboard in one tab shows in a second tab; the next one is rejected with a reason", async ({ context, request }) => {
  const [first, second] = seedProposals(2);
  await expect.poll(async () => (await request.get(`/api/v1/proposals/${first}`, { headers: auth })).status()).toBe(200);
  await expect.poll(async () => (await request.get(`/api/v1/proposals/${second}`, { headers: auth })).status()).toBe(200);

  const watcher = await context.newPage();
  const errors = collectErrors(watcher);
  await open(watcher, `/proposals?id=${first}`);
  await expect(watcher.getByTestId("proposal-detail")).toHaveAttribute("data-status", "pending");
  await expect(watcher.getByTestId("connection")).toHaveAttribute("data-state", "open");
  await watcher.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

  const reviewer = await context.newPage();
  await open(reviewer, `/proposals?id=${first}`);
  await expect(reviewer.getByTestId("proposal-detail")).toHaveAttribute("data-status", "pending");
  await reviewer.keyboard.press("a");
  await expect(watcher.getByTestId("proposal-detail")).toHaveAttribute("data-status", "approved");
  expect(await watcher.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
  await watcher.screenshot({ path: `${ARTIFACTS}/proposal-approved-second-tab.png`, fullPage: true });

  // The reviewer stays in the queue: the next pending proposal is selected; `r` goes to the reason.
  await expect(reviewer.locator(`.feed-item[aria-current=true]`)).toHaveAttribute("data-id", second);
  await reviewer.keyboard.press("r");
  await reviewer.keyboard.type("Дублює вже заплановане");
  await reviewer.keyboard.press("Enter");
  await expect
    .poll(async () => (await apiGet<{ status: string; review_notes: string }>(request, `/api/v1/proposals/${second}`)).status)
    .toBe("rejected");

  // The approved proposal became a task on the board, also without a reload.
  await watcher.getByRole("link", { name: "Завдання", exact: true }).click();
  await expect(watcher.getByTestId("task-board").locator(".task-card").first()).toBeVisible();
  await watcher.screenshot({ path: `${ARTIFACTS}/tasks-board.png`, fullPage: true });
  expect(errors).toEqual([]);
});
