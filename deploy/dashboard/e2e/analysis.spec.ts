// An analysis run created on the analysis page runs to the end live; closing it is refused while proposals wait
// (the count is shown), and once they are reviewed it closes with its approval and rejection rates.
import { expect, test } from "@playwright/test";
import { ARTIFACTS, apiGet, auth, collectErrors, open } from "./system";

type Run = { id: string; status: string; proposals_total: number; proposals_pending: number };
type Proposal = { id: string; status: string };

test("an analysis run created in the UI completes live, cannot close while proposals wait, then closes with its rates", async ({ page, request }) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await open(page, "/analysis");
  const form = page.getByTestId("analysis-form");
  await form.locator("input[name=since]").fill("2025-01-01");
  await form.locator("input[name=until]").fill(new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
  await form.getByRole("button", { name: "Створити" }).click();

  const row = page.locator("[data-testid=analysis-runs] > li").first();
  await expect(row).toHaveAttribute("data-status", /running|completed/, { timeout: 60_000 });
  await page.screenshot({ path: `${ARTIFACTS}/analysis-running.png`, fullPage: true });
  await expect(row).toHaveAttribute("data-status", "completed", { timeout: 240_000 });
  const runs = await apiGet<Run[]>(request, "/api/v1/analysis/runs?limit=1");
  const run = runs[0];
  expect(run.status).toBe("completed");
  await expect(row).toContainText(`${run.proposals_total}`);
  await page.screenshot({ path: `${ARTIFACTS}/analysis-completed.png`, fullPage: true });

  const proposals = await apiGet<Proposal[]>(request, `/api/v1/proposals?run_id=${run.id}&status=pending&limit=500`);
  if (proposals.length > 0) {
    // Closing is refused while proposals wait: the page says how many, with a link to them.
    await row.getByTestId("close-run").click();
    await expect(row.getByTestId("close-refused")).toContainText(String(proposals.length));
    await row.getByTestId("run-proposals").click();
    await expect(page.getByTestId("run-filter")).toBeVisible();
    await expect(page.locator("[data-testid=proposal-list] li")).toHaveCount(proposals.length);
    await page.screenshot({ path: `${ARTIFACTS}/analysis-run-proposals.png`, fullPage: true });
    // Review them: the first rejected, the rest approved.
    for (const [i, p] of proposals.entries()) {
      const action = i === 0 ? "reject" : "approve";
      const body = i === 0 ? { reason: "e2e", reviewer: "e2e" } : { reviewer: "e2e" };
      const response = await request.post(`/api/v1/proposals/${p.id}/${action}`, { headers: auth, data: body });
      expect(response.ok(), await response.text()).toBe(true);
    }
    await open(page, "/analysis");
  }
  await expect
    .poll(async () => (await apiGet<Run>(request, `/api/v1/analysis/runs/${run.id}`)).proposals_pending, { timeout: 30_000 })
    .toBe(0);
  await row.getByTestId("close-run").click();
  await expect(row).toHaveAttribute("data-status", "closed");
  if (proposals.length > 0) await expect(row.getByTestId("analysis-rates")).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/analysis-closed.png`, fullPage: true });
  // The refused close is a 409 the browser logs as a failed resource; nothing else may be logged.
  expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
});
