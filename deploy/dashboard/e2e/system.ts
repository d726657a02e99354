// The running system the suite drives: its address, token, the API, and the gateway process (to kill it).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { APIRequestContext, Page } from "@playwright/test";

export const TOKEN = process.env.TT_E2E_TOKEN ?? "";
export const DATA_DIR = process.env.TT_E2E_DATA_DIR ?? "";
export const ARTIFACTS = process.env.TT_E2E_ARTIFACTS ?? "test-artifacts";
const PYTHON = process.env.TT_E2E_PYTHON ?? "python3";
const REPO = process.env.TT_E2E_REPO ?? "../..";

export const auth = { Authorization: `Bearer ${TOKEN}` };

export async function apiGet<T>(request: APIRequestContext, path: string): Promise<T> {
  const response = await request.get(path, { headers: auth });
  if (!response.ok()) throw new Error(`${path}: ${response.status()} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Open a dashboard path signed in (the token travels once in the address's fragment, which no server sees). */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(`/dashboard${path}#token=${encodeURIComponent(TOKEN)}`);
}

/** Errors the page reports: console errors and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

/** The HTTP/WebSocket processes of this data directory's `tracker up`: its API replicas (or an all-in-one
 * gateway), found by command line and TT_DATA_DIR. */
export function apiPids(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const i = cmdline.indexOf("shared.cli.main");
      if (i < 0 || !["api", "gateway"].includes(cmdline[i + 1])) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (environ.includes(`TT_DATA_DIR=${DATA_DIR}`)) found.push(Number(entry));
    } catch {
      continue; // gone, or not ours to read
    }
  }
  return found;
}

/** Import an export through the bus with the CLI (works while the gateway is down). */
export function importExport(path: string): void {
  execFileSync(PYTHON, ["-m", "shared.cli.main", "import", path, "--no-monitor"], {
    cwd: REPO,
    env: { ...process.env, TT_DATA_DIR: DATA_DIR },
    stdio: "pipe",
    timeout: 120_000,
  });
}

/** Seed pending task proposals through the bus (tests/e2e/dashboard_seed.py); their ids, oldest first. */
export function seedProposals(count: number): string[] {
  const out = execFileSync(PYTHON, ["tests/e2e/dashboard_seed.py", "proposals", String(count)], {
    cwd: REPO,
    env: { ...process.env, TT_DATA_DIR: DATA_DIR, PYTHONPATH: REPO },
    timeout: 120_000,
  });
  return JSON.parse(out.toString().trim().split("\n").at(-1)!);
}

/** Elements that stick out past the right edge of the screen (the page would scroll sideways): empty when the
 * layout fits, else a few of them named by tag, class and text, so a failure says what to fix. */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width + 1) return [];
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const box = el.getBoundingClientRect();
      if (box.right > width + 1 && box.width > 0) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.right)}px: ${(el.textContent ?? "").slice(0, 40)}`);
        if (out.length >= 5) break;
      }
    }
    return out.length ? out : [`scrollWidth ${document.documentElement.scrollWidth} > ${width}`];
  });
}
