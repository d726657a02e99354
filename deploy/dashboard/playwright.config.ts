// The browser suite runs against a real `tracker up --demo` (tests/e2e/test_dashboard_browser.py starts it and
// sets TT_E2E_*). Debian's chromium is driven through executablePath: no browser download.
import { defineConfig } from "@playwright/test";

const artifacts = process.env.TT_E2E_ARTIFACTS ?? "test-artifacts";

export default defineConfig({
  testDir: "e2e",
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  outputDir: `${artifacts}/results`,
  reporter: [["list"]],
  use: {
    baseURL: process.env.TT_E2E_BASE_URL ?? "http://127.0.0.1:8000",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
});
