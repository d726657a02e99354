// Settings in the browser: a project made in the UI reaches the API with its structured fields; a provider made
// with a key never shows the key again (not in the page, not in any response), and its validation error shows.
import { expect, test } from "@playwright/test";
import { ARTIFACTS, apiGet, auth, collectErrors, open } from "./system";

type Project = { id: string; name: string; keywords: string[]; glossary: Record<string, string>; components: { name: string; keywords: string[] }[]; priority_rules: { priority: string; keywords: string[] }[] };
type Provider = { id: string; name: string; has_api_key: boolean; validation_status: string; validation_error: string | null };

test("a project created in the UI reaches the API with its keywords, glossary, components and priority rules", async ({ page, request }) => {
  const errors = collectErrors(page);
  const name = `Платежі E2E ${Date.now()}`;
  await open(page, "/settings?tab=projects");
  const form = page.getByTestId("project-form");
  await form.getByLabel("Назва").fill(name);
  await form.getByLabel("Ключові слова").fill("оплата, платіж\nstripe");
  await form.getByLabel("Глосарій").fill("SLA: угода про рівень сервісу\nбез двокрапки");
  await form.getByLabel("Компоненти").fill("Білінг: рахунок, invoice");
  await form.getByLabel("Правила пріоритету").fill("critical: прод впав, outage");
  await form.getByRole("button", { name: "Створити" }).click();
  // The glossary's second line cannot be read: the form says which, and sends nothing.
  await expect(form.getByRole("alert")).toContainText("2");
  await form.getByLabel("Глосарій").fill("SLA: угода про рівень сервісу");
  await form.getByRole("button", { name: "Створити" }).click();

  const row = page.locator(`[data-testid=project][data-name="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row.locator(".tags li")).toHaveText(["оплата", "платіж", "stripe"]);
  const saved = (await apiGet<Project[]>(request, "/api/v1/projects")).find((p) => p.name === name)!;
  expect(saved.keywords).toEqual(["оплата", "платіж", "stripe"]);
  expect(saved.glossary).toEqual({ SLA: "угода про рівень сервісу" });
  expect(saved.components).toEqual([{ name: "Білінг", keywords: ["рахунок", "invoice"] }]);
  expect(saved.priority_rules).toEqual([{ priority: "critical", keywords: ["прод впав", "outage"] }]);
  await expect(form.getByLabel("Назва")).toHaveValue(""); // a fresh form after saving

  // Edit: the form opens with the saved fields as text, and a change is saved.
  await row.getByRole("button", { name: "Змінити" }).click();
  await expect(form.getByLabel("Глосарій")).toHaveValue("SLA: угода про рівень сервісу");
  await form.getByLabel("Опис").fill("Оплати й рахунки");
  await form.getByRole("button", { name: "Зберегти" }).click();
  await expect(row).toContainText("Оплати й рахунки");
  await page.screenshot({ path: `${ARTIFACTS}/settings-projects.png`, fullPage: true });

  // A second project, deleted after a confirmation; the first stays.
  const other = `${name} (копія)`;
  await form.getByLabel("Назва").fill(other);
  await form.getByRole("button", { name: "Створити" }).click();
  const otherRow = page.locator(`[data-testid=project][data-name="${other}"]`);
  await otherRow.getByRole("button", { name: "Видалити" }).click();
  await otherRow.getByRole("button", { name: "Так: Видалити" }).click();
  await expect(otherRow).toHaveCount(0);
  const names = (await apiGet<Project[]>(request, "/api/v1/projects")).map((p) => p.name);
  expect(names).toContain(name);
  expect(names).not.toContain(other);
  expect(errors).toEqual([]);
});

test("a provider created with a key never shows the key back; its validation error is shown, also in a second tab", async ({ page, context, request }) => {
  const errors = collectErrors(page);
  const secret = `sk-e2e-${Date.now()}-never-shown`;
  const bodies: string[] = [];
  page.on("response", async (r) => {
    if (r.url().includes("/api/v1/")) bodies.push(await r.text().catch(() => ""));
  });
  const name = `Тестовий провайдер ${Date.now()}`;
  await open(page, "/settings?tab=providers");
  const form = page.getByTestId("provider-form");
  await form.getByLabel("Назва").fill(name);
  await form.getByLabel("Тип").selectOption("openai_compatible");
  // Port 9 (discard) on loopback: nothing answers, so validation ends in an error with its reason.
  await form.getByLabel("Адреса API").fill("http://127.0.0.1:9/v1");
  await form.getByLabel("API-ключ").fill(secret);
  await expect(form.getByLabel("API-ключ")).toHaveAttribute("type", "password");
  await form.getByRole("button", { name: "Створити" }).click();

  const row = page.locator(`[data-testid=provider][data-name="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText("ключ збережено");
  await expect(row.getByTestId("provider-status")).toHaveText("не перевірено");
  await expect(form.getByLabel("API-ключ")).toHaveValue("");

  // A second tab on the same list follows the validation live (no reload).
  const watcher = await context.newPage();
  await open(watcher, "/settings?tab=providers");
  const watched = watcher.locator(`[data-testid=provider][data-name="${name}"]`);
  await expect(watched).toHaveAttribute("data-status", "pending");
  await expect(watcher.getByTestId("connection")).toHaveAttribute("data-state", "open");
  await watcher.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

  await row.getByRole("button", { name: "Перевірити" }).click();
  await expect(row).toHaveAttribute("data-status", "error");
  await expect(watched).toHaveAttribute("data-status", "error");
  await expect(watched.getByTestId("provider-error")).not.toBeEmpty();
  expect(await watcher.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
  await watcher.close();
  await expect(row.getByTestId("provider-error")).not.toBeEmpty();

  // Editing shows an empty key field that says a key is stored; the page never holds the key.
  await row.getByRole("button", { name: "Змінити" }).click();
  await expect(form.getByLabel("API-ключ")).toHaveValue("");
  await expect(form).toContainText("Ключ збережено");
  await page.screenshot({ path: `${ARTIFACTS}/settings-providers.png`, fullPage: true });
  expect(await page.content()).not.toContain(secret);
  const saved = (await apiGet<Provider[]>(request, "/api/v1/providers")).find((p) => p.name === name)!;
  expect(saved.has_api_key).toBe(true);
  expect(saved.validation_status).toBe("error");
  expect(saved.validation_error).toBeTruthy();
  expect(JSON.stringify(saved)).not.toContain(secret);
  expect(bodies.length).toBeGreaterThan(0);
  for (const body of bodies) expect(body).not.toContain(secret);

  // Deleting asks once more in place, then the provider (and its stored key) is gone.
  await form.getByRole("button", { name: "Скасувати" }).click();
  await row.getByRole("button", { name: "Видалити" }).click();
  await row.getByRole("button", { name: "Так: Видалити" }).click();
  await expect(row).toHaveCount(0);
  expect((await apiGet<Provider[]>(request, "/api/v1/providers")).some((p) => p.name === name)).toBe(false);
  expect(errors).toEqual([]);
});

test("an analysis schedule made in the UI runs now, and its run shows on the analysis page", async ({ page, request }) => {
  const errors = collectErrors(page);
  const name = `Щоденний аналіз ${Date.now()}`;
  await open(page, "/settings?tab=schedules");
  const form = page.getByTestId("schedule-form");
  await form.getByLabel("Назва").fill(name);
  await form.getByLabel("Cron").fill("0 3 * * *");
  await form.getByLabel("Що запускати").selectOption("analysis");
  await expect(form.locator("select[name=chats]")).toHaveCount(0); // extraction-only fields go away
  await form.locator("input[name=lookback_hours]").fill("72");
  await form.getByRole("button", { name: "Створити" }).click();

  const row = page.locator(`[data-testid=schedule][data-name="${name}"]`);
  await expect(row).toContainText("аналіз");
  const saved = (await apiGet<{ name: string; kind: string; lookback_hours: number; cron: string }[]>(request, "/api/v1/knowledge/schedules")).find(
    (s) => s.name === name,
  )!;
  expect([saved.kind, saved.lookback_hours, saved.cron]).toEqual(["analysis", 72, "0 3 * * *"]);

  await row.getByRole("button", { name: "Запустити зараз" }).click();
  const started = page.getByTestId("schedule-started");
  await expect(started).toBeVisible();
  await started.getByRole("link").click();
  await expect(page.locator("[data-testid=analysis-runs] .highlight")).toBeVisible();
  await expect(page.locator("[data-testid=analysis-runs] > li", { has: page.locator(".highlight") })).toContainText(`scheduled:${name}`);
  await page.screenshot({ path: `${ARTIFACTS}/schedule-analysis-run.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test("an agent's statistics and an edit; an auto-approval rule's count before and after saving is the API's", async ({ page, request }) => {
  const errors = collectErrors(page);
  type Agent = { id: string; name: string; role: string; max_tokens: number };
  const proposer = (await apiGet<Agent[]>(request, "/api/v1/agents")).find((a) => a.role === "task_proposer")!;
  const stats = await apiGet<{ runs_total: number }>(request, `/api/v1/agents/${proposer.id}/stats`);
  await open(page, "/settings?tab=agents");
  const row = page.locator(`[data-testid=agent][data-name="${proposer.name}"]`);
  await row.getByRole("button", { name: "Статистика" }).click();
  await expect(row.getByTestId("agent-stats")).toContainText(String(stats.runs_total));
  await row.getByRole("button", { name: "Змінити" }).click();
  const form = row.getByTestId("agent-form");
  await form.getByLabel("Максимум токенів").fill("3072");
  await form.getByRole("button", { name: "Зберегти" }).click();
  await expect(row).toContainText("3072");
  expect((await apiGet<Agent>(request, `/api/v1/agents/${proposer.id}`)).max_tokens).toBe(3072);
  await page.screenshot({ path: `${ARTIFACTS}/settings-agent-edited.png`, fullPage: true });
  await row.getByRole("button", { name: "Змінити" }).click();
  await form.getByLabel("Максимум токенів").fill(String(proposer.max_tokens));
  await form.getByRole("button", { name: "Зберегти" }).click();
  await expect(row).toContainText(String(proposer.max_tokens));

  // A rule for decisions at confidence ≥ 0.5, saved inactive (it only counts; it approves nothing here).
  const draft = { atom_types: ["decision"], min_confidence: 0.5, schedule_id: null, active: false };
  const expected = await request.post("/api/v1/knowledge/auto-approval-rules/dry-run", { headers: auth, data: draft });
  const count = ((await expected.json()) as { count: number }).count;
  await open(page, "/settings?tab=rules");
  const ruleForm = page.getByTestId("rule-form");
  await ruleForm.getByLabel("ухвала").check();
  await ruleForm.getByLabel("Мінімальна впевненість").fill("0.5");
  await ruleForm.getByLabel("Активний").uncheck();
  await ruleForm.getByRole("button", { name: "Скільки схвалить?" }).click();
  await expect(ruleForm.getByTestId("rule-draft-count")).toContainText(`: ${count}`);
  await ruleForm.getByRole("button", { name: "Створити" }).click();
  const rule = page.getByTestId("rules").getByTestId("rule").filter({ hasText: "ухвала" }).filter({ hasText: "0.50" });
  await expect(rule.getByTestId("rule-dry-run")).toHaveAttribute("data-count", String(count));
  await page.screenshot({ path: `${ARTIFACTS}/settings-rules.png`, fullPage: true });
  expect(errors).toEqual([]);
});
