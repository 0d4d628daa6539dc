import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import type { TestCustomer } from './test-customers';

/**
 * The console (issue 21) in Debian's Chromium, driven by playwright-core, for the console's browser
 * specs: one browser per spec, the page's console errors, page errors and CSP violations collected,
 * axe-core injected into every page, screenshots into test-results/console/ (docs/console/ keeps
 * the copies the README shows).
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const CONSOLE_DIR = join(__dirname, '..', '..', 'apps', 'console', 'dist');
const ARTIFACTS = join(__dirname, '..', '..', 'test-results', 'console');
const AXE_SOURCE = require.resolve('axe-core/axe.min.js');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Adds a token with the given scopes to a test customer's config.yaml; returns the token. */
export function addToken(dir: string, customer: TestCustomer, id: string, scopes: string[]): string {
  const token = `ovt_test_${randomBytes(16).toString('hex')}`;
  const file = join(dir, customer.id, 'config.yaml');
  const config = parse(readFileSync(file, 'utf8')) as { tracking: { api_tokens: object[] } };
  config.tracking.api_tokens.push({ id, sha256: createHash('sha256').update(token).digest('hex'), scopes });
  writeFileSync(file, stringify(config));
  return token;
}

export class ConsoleBrowser {
  /** Console errors, page errors: a spec ends by expecting none. */
  readonly problems: string[] = [];

  private constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** A browser at 1280x800 with the CSP listener and axe-core in every page; fails without a console build. */
  static async launch(gatewayUrl: string): Promise<ConsoleBrowser> {
    if (!existsSync(join(CONSOLE_DIR, 'index.html'))) throw new Error(`no console build at ${CONSOLE_DIR}: run npm run build`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: DESKTOP });
    // Init scripts come through the DevTools protocol, not the page, so the CSP does not apply to them.
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    await context.addInitScript({ path: AXE_SOURCE });
    const page = await context.newPage();
    const console = new ConsoleBrowser(browser, context, page);
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // The shell asks GET /console/api/session whether it is signed in, and a wrong token is refused:
      // their 401 shows as a failed load in the console by Chromium's doing, not as a fault of the page.
      if (message.text().includes('401') && new URL(message.location().url, gatewayUrl).pathname === '/console/api/session') return;
      console.problems.push(`console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => console.problems.push(`page error: ${error.message}`));
    return console;
  }

  /** What the page's CSP listener saw since the page was opened. */
  cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
  }

  /** axe-core's serious and critical violations on the page as it is now. */
  async axeViolations(): Promise<AxeViolation[]> {
    const result = await this.page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
      return axe.run(document, { resultTypes: ['violations'] });
    });
    return result.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** Signs a customer in through the form and waits for the landing page. */
  async signIn(gatewayUrl: string, customerId: string, token: string): Promise<void> {
    await this.page.goto(`${gatewayUrl}/console/`);
    await this.page.getByLabel('Customer id').fill(customerId);
    await this.page.getByLabel('API token (read scope)').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  }

  /** Opens a console page by its navigation link and waits for its heading. */
  async open(title: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title, exact: true }).click();
    await this.page.getByRole('heading', { name: title, level: 1 }).waitFor();
  }

  /** The page at a phone's width: nothing wider than the screen, axe still clean; then back to the desktop. */
  async checkPhone(name: string): Promise<{ scrollWidth: number; violations: AxeViolation[] }> {
    await this.page.setViewportSize(PHONE);
    const scrollWidth = await this.page.evaluate(() => document.documentElement.scrollWidth);
    const violations = await this.axeViolations();
    await this.screenshot(name);
    await this.page.setViewportSize(DESKTOP);
    return { scrollWidth, violations };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
