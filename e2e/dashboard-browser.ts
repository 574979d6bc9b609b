import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const DASHBOARD = fileURLToPath(new URL('../packages/dashboard/', import.meta.url));

/**
 * Headless Chromium from the Debian package, never a downloaded browser. Without it the browser
 * tests skip on a developer machine, and fail under CI=true, where a skip would hide a gap.
 */
export function chromiumOrSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} is missing: install the Debian package \`chromium\` (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

function newestChange(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/**
 * `npm ci` builds the dashboard; a checkout that skipped it, or whose sources changed since, gets a
 * build here, so that the browser never tests a stale build.
 */
export function ensureDashboardBuilt(): void {
  const built = join(DASHBOARD, 'dist', 'index.html');
  const fresh = () => existsSync(built)
    && statSync(built).mtimeMs >= Math.max(newestChange(join(DASHBOARD, 'src')), newestChange(join(DASHBOARD, 'index.html')));
  if (fresh()) return;
  // Test files run in parallel: one builds while the others wait, rather than emptying dist under each other.
  const lock = join(tmpdir(), 'herald-dashboard-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`another test has been building the dashboard for 2 minutes; remove ${lock} if it is stale`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!fresh()) build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function build(): void {
  const result = spawnSync(process.execPath, [join(DASHBOARD, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: DASHBOARD, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('could not build the dashboard: run `npm run build -w @herald/dashboard`');
}

/**
 * Screenshots go to HERALD_SCREENSHOTS_DIR when set (docs/screenshots for the README), else to a
 * temporary folder: taking them still checks that each view renders.
 */
export function screenshotDir(): string {
  const dir = process.env.HERALD_SCREENSHOTS_DIR ?? join(tmpdir(), 'herald-dashboard-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir(), `${name}.png`), fullPage: true });
}

export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/ui`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * WCAG 2.1 A and AA rules (labels, contrast, roles, names...) checked by axe-core on the page as it
 * is now. The page must be opened with `bypassCSP: true`, since axe is injected as a script.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })).violations;
  });
  return violations.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
}
