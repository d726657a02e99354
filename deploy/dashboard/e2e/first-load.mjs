// First load of the overview in a fresh browser profile (cold cache), N times: from navigation start to the
// message count being on screen, plus the browser's own timings. Used by bench/dashboard.py.
// Env: TT_BENCH_URL (gateway), TT_BENCH_TOKEN, CHROMIUM_PATH, TT_BENCH_RUNS.
import { chromium } from "@playwright/test";

const base = process.env.TT_BENCH_URL;
const token = process.env.TT_BENCH_TOKEN;
const runs = Number(process.env.TT_BENCH_RUNS ?? 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const results = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  let bytes = 0;
  page.on("response", async (r) => {
    const length = Number((await r.allHeaders())["content-length"] ?? 0);
    if (r.url().includes("/dashboard/")) bytes += length;
  });
  const started = Date.now();
  await page.goto(`${base}/dashboard/?token=${encodeURIComponent(token)}`);
  await page.getByTestId("overview-total").waitFor({ state: "visible", timeout: 60_000 });
  const figureMs = Date.now() - started;
  const nav = await page.evaluate(() => {
    const [n] = performance.getEntriesByType("navigation");
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd, fcp: fcp ? fcp.startTime : null };
  });
  results.push({ figureMs, ...nav, dashboardBytes: bytes });
  await context.close();
}
await browser.close();
console.log(JSON.stringify(results));
