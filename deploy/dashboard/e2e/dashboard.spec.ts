import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { ARTIFACTS, apiGet, auth, collectErrors, apiPids, importExport, open, overflowing, seedProposals } from "./system";

type Stats = { total: number };
type Page = { items: { key: string; classification: string | null }[] };

const PAGES = [
  { name: "overview", path: "/", ready: "[data-testid=overview-total]" },
  { name: "messages", path: "/messages", ready: "[data-testid=message-feed]" },
  { name: "knowledge", path: "/knowledge", ready: "form[aria-label]" },
  { name: "runs", path: "/runs", ready: "form[aria-labelledby=extract-title]" },
  { name: "proposals", path: "/proposals", ready: "[role=tablist]" },
  { name: "tasks", path: "/tasks", ready: "[data-testid=task-board]" },
  { name: "search", path: "/search?q=%D1%80%D0%B5%D0%BB%D1%96%D0%B7&mode=keyword", ready: "[data-testid=search-results]" },
  { name: "jobs", path: "/jobs", ready: "form[aria-labelledby=start-title]" },
  { name: "analysis", path: "/analysis", ready: "[data-testid=analysis-form]" },
  { name: "topics", path: "/topics", ready: "form[role=search]" },
  { name: "atoms", path: "/atoms", ready: "[data-testid=atom-filters]" },
  { name: "settings-providers", path: "/settings?tab=providers", ready: "[data-testid=providers] [data-testid=provider]" },
  { name: "settings-agents", path: "/settings?tab=agents", ready: "[data-testid=agents] [data-testid=agent]" },
  { name: "settings-projects", path: "/settings?tab=projects", ready: "[data-testid=project-form]" },
  { name: "settings-schedules", path: "/settings?tab=schedules", ready: "[data-testid=schedule-form]" },
  { name: "settings-rules", path: "/settings?tab=rules", ready: "[data-testid=rule-form]" },
];

const digits = (text: string | null) => Number((text ?? "").replace(/\D/g, ""));

test("every page opens live without console errors, in Ukrainian and English, at laptop and phone widths", async ({ page }) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  for (const lang of ["uk", "en"] as const) {
    for (const viewport of [
      { name: "laptop", width: 1280, height: 800 },
      { name: "phone", width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      for (const p of PAGES) {
        await open(page, p.path);
        if ((await page.locator("html").getAttribute("lang")) !== lang) await page.getByTestId("language").selectOption(lang);
        await expect(page.locator("html")).toHaveAttribute("lang", lang);
        await expect(page.locator(p.ready).first()).toBeVisible();
        await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "open");
        // Nothing wider than the screen: the page is usable at phone width without sideways scrolling.
        expect(await overflowing(page), `${p.name} ${viewport.name}`).toEqual([]);
        const suffix = lang === "uk" ? "" : "-en";
        await page.screenshot({ path: `${ARTIFACTS}/${p.name}-${viewport.name}${suffix}.png`, fullPage: true });
      }
    }
  }
  await expect(page.getByRole("link", { name: "Messages" })).toBeVisible();
  await page.getByTestId("language").selectOption("uk");
  expect(errors).toEqual([]);
});

test("the overview's message count is the API's", async ({ page, request }) => {
  await open(page, "/");
  const stats = await apiGet<Stats>(request, "/api/v1/noise/stats");
  await expect.poll(async () => digits(await page.getByTestId("overview-total").textContent())).toBe(stats.total);
  await expect(page.getByTestId("digest").getByRole("heading", { level: 3 }).first()).toBeVisible();
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

test("killing the API shows reconnecting, then the page catches up with what happened meanwhile", async ({ page, request }) => {
  await open(page, "/");
  const badge = page.getByTestId("connection");
  await expect(badge).toHaveAttribute("data-state", "open");
  const before = await apiGet<Stats>(request, "/api/v1/noise/stats");
  await expect.poll(async () => digits(await page.getByTestId("overview-total").textContent())).toBe(before.total);
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

  // Every API process goes (the replicas share the port); the projector keeps writing the read models.
  const pids = apiPids();
  expect(pids.length, "the API processes of this tracker run").toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, "SIGKILL");
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
  await expect(reviewer.locator(`.feed-item[data-id="${second}"]`)).toBeVisible(); // the queue, as a reviewer sees it
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

type Version = { entity: string; entity_id: string; version: number; state: string };
const vid = (v: Version) => `${v.entity}:${v.entity_id}:${v.version}`;

test("an extraction started on the runs page completes live; versions are approved, rejected and bulk-approved by keyboard and button, seen in a second tab", async ({ context, request }) => {
  test.setTimeout(300_000);
  const chats = await apiGet<{ chat_id: string; message_count: number }[]>(request, "/api/v1/chats");
  const demo = chats.sort((a, b) => b.message_count - a.message_count)[0];

  const runner = await context.newPage();
  const errors = collectErrors(runner);
  await open(runner, "/runs");
  await runner.locator("select[name=chat]").selectOption(demo.chat_id);
  await runner.locator("input[name=since]").fill("2025-01-01");
  await runner.getByRole("button", { name: "Запустити" }).click();
  await expect(runner.locator("[data-testid=runs] li").first()).toHaveAttribute("data-status", "completed", { timeout: 240_000 });
  await runner.screenshot({ path: `${ARTIFACTS}/runs.png`, fullPage: true });

  const pending = await apiGet<Version[]>(request, "/api/v1/knowledge/versions?state=proposed&limit=500");
  expect(pending.length, "the demo chat yields versions to review").toBeGreaterThanOrEqual(4);

  // The queue is newest first, like the page.
  const [first, second, third, fourth] = pending;
  const watcher = await context.newPage();
  await open(watcher, `/knowledge?v=${encodeURIComponent(vid(first))}`);
  await expect(watcher.getByTestId("version-review")).toBeVisible();
  await expect(watcher.getByTestId("version-diff")).toBeVisible();
  await watcher.screenshot({ path: `${ARTIFACTS}/knowledge-review.png`, fullPage: true });
  await watcher.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

  const reviewer = await context.newPage();
  await open(reviewer, `/knowledge?v=${encodeURIComponent(vid(first))}`);
  await expect(reviewer.getByTestId("version-review")).toBeVisible();
  await reviewer.keyboard.press("a");
  await expect(watcher.locator(`[data-testid=version-list] [data-id="${vid(first)}"]`)).toHaveCount(0);
  await expect(watcher.getByTestId("version-review")).toHaveCount(0);
  expect(await watcher.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
  const stateOf = async (v: Version) =>
    (await apiGet<Version[]>(request, `/api/v1/knowledge/versions?entity_id=${v.entity_id}`)).find((x) => x.version === v.version)?.state;
  expect(await stateOf(first)).toBe("approved");

  await expect(reviewer.locator(".feed-item[aria-current=true]")).toHaveAttribute("data-id", vid(second));
  await reviewer.keyboard.press("r");
  await reviewer.keyboard.type("Не стосується проєкту");
  await reviewer.keyboard.press("Enter");
  await expect.poll(() => stateOf(second)).toBe("rejected");

  for (const v of [third, fourth]) {
    await reviewer.locator(`.version-row:has([data-id="${vid(v)}"]) input[type=checkbox]`).check();
  }
  await reviewer.getByTestId("bulk-approve").click();
  await expect.poll(() => stateOf(third)).toBe("approved");
  await expect.poll(() => stateOf(fourth)).toBe("approved");
  await expect(watcher.locator(`[data-testid=version-list] [data-id="${vid(fourth)}"]`)).toHaveCount(0);
  expect(errors).toEqual([]);
});
