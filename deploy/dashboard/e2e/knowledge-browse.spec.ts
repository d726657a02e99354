// Browsing the knowledge base outside review: topics with their counts → a topic with its atoms and messages →
// an atom with its provenance → the source message in the feed; an atom archived and restored from its page.
import { expect, test } from "@playwright/test";
import { ARTIFACTS, apiGet, auth, collectErrors, open, overflowing } from "./system";

type AtomPage = { items: { id: string; title: string; archived: boolean; source_message_keys: string[]; topics: { id: string }[] }[] };
type TopicPage = { items: { id: string; name: string; atom_count: number; message_count: number }[] };
type Chat = { chat_id: string; message_count: number };

test("topics → topic → atom → its source message; an atom is archived and restored from its page", async ({ page, request }) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  // The knowledge base is filled by an extraction (the runs suite starts one; alone, this test starts its own).
  if ((await apiGet<AtomPage>(request, "/api/v1/knowledge/atoms?limit=1")).items.length === 0) {
    const chats = await apiGet<Chat[]>(request, "/api/v1/chats");
    const demo = chats.sort((a, b) => b.message_count - a.message_count)[0];
    const started = await request.post("/api/v1/knowledge/extract", {
      headers: auth,
      data: { chat_id: demo.chat_id, period_start: "2025-01-01T00:00:00Z" },
    });
    expect(started.ok(), await started.text()).toBe(true);
    await expect
      .poll(async () => (await apiGet<AtomPage>(request, "/api/v1/knowledge/atoms?limit=1")).items.length, { timeout: 240_000 })
      .toBeGreaterThan(0);
  }
  const topics = (await apiGet<TopicPage>(request, "/api/v1/knowledge/topics?limit=500")).items;
  const topic = topics.find((tp) => tp.atom_count > 0) ?? topics[0];
  expect(topic, "the extraction made topics").toBeTruthy();

  for (const [lang, viewport] of [
    ["uk", { name: "laptop", width: 1280, height: 800 }],
    ["uk", { name: "phone", width: 390, height: 844 }],
    ["en", { name: "phone", width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await open(page, "/topics");
    if ((await page.locator("html").getAttribute("lang")) !== lang) await page.getByTestId("language").selectOption(lang);
    await expect(page.locator("html")).toHaveAttribute("lang", lang);
    const card = page.getByTestId("topic-list").locator("li", { has: page.getByRole("link", { name: topic.name, exact: true }) });
    await expect(card.getByTestId("topic-counts")).toContainText(String(topic.atom_count));
    await card.getByRole("link", { name: topic.name, exact: true }).click();
    await expect(page.getByTestId("topic-detail")).toBeVisible();
    if (topic.atom_count > 0) await expect(page.getByTestId("topic-atoms").locator("li")).toHaveCount(topic.atom_count);
    if (topic.message_count > 0) await expect(page.getByTestId("topic-messages").locator("li").first()).toBeVisible();
    expect(await overflowing(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/topic-detail-${viewport.name}${lang === "en" ? "-en" : ""}.png`, fullPage: true });
  }

  // An atom from the topic: its page lists where it came from; a source message opens in the feed.
  await page.getByTestId("topic-atoms").locator("[data-testid=atom] a").first().click();
  const detail = page.getByTestId("atom-detail");
  await expect(detail).toHaveAttribute("data-archived", "false");
  const atomId = page.url().split("/atoms/")[1].split(/[?#]/)[0];
  await expect(page.getByTestId("archive-toggle")).toHaveText("Archive"); // still in English
  await page.screenshot({ path: `${ARTIFACTS}/atom-detail-phone-en.png`, fullPage: true });
  await page.getByTestId("language").selectOption("uk");
  const provenance = page.getByTestId("atom-provenance").locator("li");
  await expect(provenance.first()).toBeVisible();
  expect(await overflowing(page)).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/atom-detail-phone.png`, fullPage: true });

  await page.getByTestId("archive-toggle").click();
  await expect(detail).toHaveAttribute("data-archived", "true");
  await expect
    .poll(async () => (await apiGet<{ archived: boolean }>(request, `/api/v1/knowledge/atoms/${atomId}`)).archived)
    .toBe(true);
  await page.getByTestId("archive-toggle").click();
  await expect(detail).toHaveAttribute("data-archived", "false");

  const link = provenance.first().getByRole("link");
  const key = decodeURIComponent((await link.getAttribute("href"))!.split("key=")[1]);
  await link.click();
  await expect(page.getByTestId("message-detail")).toBeVisible();
  expect(page.url()).toContain(encodeURIComponent(key));

  // The atoms list filters by type and links back to the atom.
  await page.setViewportSize({ width: 1280, height: 800 });
  await open(page, "/atoms");
  const first = page.getByTestId("atom-list").locator("[data-testid=atom]").first();
  const type = (await first.getAttribute("data-type"))!;
  await page.getByTestId("atom-filters").locator("select[name=type]").selectOption(type);
  await page.getByTestId("atom-filters").getByRole("button", { name: "Застосувати" }).click();
  await expect(page).toHaveURL(new RegExp(`type=${type}`));
  const types = await page.getByTestId("atom-list").locator("[data-testid=atom]").evaluateAll((els) => els.map((e) => e.getAttribute("data-type")));
  expect(new Set(types)).toEqual(new Set([type]));
  await page.screenshot({ path: `${ARTIFACTS}/atoms-filtered.png`, fullPage: true });
  expect(errors).toEqual([]);
});
