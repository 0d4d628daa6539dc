import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { repositoryRoot } from '@tracking/services';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory } from '@test/support/test-customers';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';

/**
 * The SDKs as a user gets them: `npm pack` makes the tarballs the registry would hold, `npm install`
 * puts them in an empty project outside this repository (offline: they have no dependencies), and
 * from there they send through the real gateway: the Node client from a script run by node (as an
 * ES module and through require), the browser package in Debian's Chromium (its classic script
 * self-hosted, its ES module, and the gateway's versioned URL pinned by the package file's SRI hash).
 * The records on tracking.events.v1 must name the library and version that sent them.
 */

const exec = promisify(execFile);
const ROOT = repositoryRoot();
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PACKAGES = { browser: 'sdks/browser', node: 'sdks/node' } as const;

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** What the Node scripts print: the library they report and the ids of the events the gateway acknowledged. */
interface NodeScriptOutput {
  library: [string, string];
  accepted: string[];
}

const nodeScript = (kind: 'esm' | 'cjs'): string => {
  const load = kind === 'esm' ? "import { TrackingClient, SDK_NAME, SDK_VERSION } from '@tracking-platform/node';" : "const { TrackingClient, SDK_NAME, SDK_VERSION } = require('@tracking-platform/node');";
  return `${load}
async function main() {
  const [endpoint, customerId, token, run] = process.argv.slice(2);
  const client = new TrackingClient({ endpoint, customerId, token, flushAt: 3, flushInterval: 200 });
  const results = await Promise.all([1, 2, 3].map((n) =>
    client.track({ event_type: 'feature_usage', page_url: 'https://shop.example/${kind}?run=' + run, event_data: { n } })));
  await client.close();
  console.log(JSON.stringify({ library: [SDK_NAME, SDK_VERSION], accepted: results.filter((r) => r.status === 'accepted').map((r) => r.eventId) }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;
};

/** Serves the consumer project's files (its node_modules included) and registered pages, from 127.0.0.1. */
class ProjectServer {
  private readonly pages = new Map<string, string>();
  private server: Server | undefined;
  origin = '';

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    this.server = createServer((incoming, outgoing) => {
      const { pathname } = new URL(incoming.url ?? '/', this.origin);
      const page = this.pages.get(pathname);
      if (page !== undefined) {
        outgoing.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        return void outgoing.end(page);
      }
      const file = normalize(join(this.dir, decodeURIComponent(pathname)));
      if (!file.startsWith(this.dir + sep) || !existsSync(file)) return void outgoing.writeHead(404).end();
      const type = /\.m?js$/.test(file) ? 'text/javascript' : 'application/octet-stream';
      outgoing.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      outgoing.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  add(html: string): string {
    const path = `/pages/${randomUUID()}`;
    this.pages.set(path, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Packed SDK</title>${html}</head><body><h1>Packed SDK</h1></body></html>`);
    return path;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('SDK packages packed with npm pack and installed outside the repository', () => {
  const env = testEnvironment();
  const work = mkdtempSync(join(tmpdir(), 'tracking-sdk-packages-'));
  const project = join(work, 'shop');
  const customersDir = customersDirectory();
  const customerId = `it_${randomBytes(5).toString('hex')}`;
  const token = `ovt_test_${randomBytes(16).toString('hex')}`;
  const publishableKey = `pk_test_${randomBytes(10).toString('hex')}`;
  const server = new ProjectServer(project);
  const packs = new Map<keyof typeof PACKAGES, PackResult>();
  let gateway: RunningService;
  let browser: Browser;

  /** This customer's events from `from` to the topic's end now: everything sent before is in. */
  const eventsSince = async (from: Positions): Promise<TrackingEvent[]> => {
    const end = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) =>
      [...end].every(([partition, high]) => BigInt(high) <= BigInt(from.get(partition) ?? '0') || seen.some((record) => record.partition === partition && BigInt(record.offset) >= BigInt(high) - 1n)),
    );
    return records.map((record) => record.value).filter((event) => event.customer_id === customerId);
  };

  const installed = (name: string): string => join(project, 'node_modules', ...name.split('/'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: run \`bash tools/browsers/install-chromium.sh\``);
    // npm pack runs each package's prepack (its build), as a publish would.
    for (const [key, dir] of Object.entries(PACKAGES) as Array<[keyof typeof PACKAGES, string]>) {
      const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work, '--workspace', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
      // The prepack build prints its sizes first; npm's JSON report is the rest.
      const [result] = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as PackResult[];
      packs.set(key, result!);
    }
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shop', version: '1.0.0', private: true }));
    const tarballs = [...packs.values()].map((pack) => join(work, pack.filename));
    await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs], { cwd: project });

    mkdirSync(join(customersDir, customerId), { recursive: true });
    await server.start();
    writeFileSync(
      join(customersDir, customerId, 'config.yaml'),
      stringify({
        customer: { id: customerId, name: 'Packed SDK test shop' },
        technical: { api_rate_limit: 100_000 },
        tracking: {
          api_tokens: [{ id: 'test', sha256: createHash('sha256').update(token).digest('hex') }],
          publishable_keys: [{ key: publishableKey }],
          allowed_origins: [server.origin],
        },
      }),
    );
    writeFileSync(join(customersDir, customerId, 'features.yaml'), stringify({ features: { site_tracking: true }, flags: {} }));
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server.stop();
    await gateway?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('packs only the built package: dist, README and package.json, no sources or tests, no dependencies', () => {
    for (const [key, dir] of Object.entries(PACKAGES) as Array<[keyof typeof PACKAGES, string]>) {
      const files = packs.get(key)!.files.map((file) => file.path);
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.mjs', 'dist/index.cjs', 'dist/index.mjs.map', 'dist/types/index.d.ts']));
      expect(files.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md'].includes(file))).toEqual([]);
      expect(files.some((file) => /\.spec\./.test(file))).toBe(false);
      expect(manifestOf(join(ROOT, dir)).dependencies ?? {}).toEqual({});
    }
    expect(packs.get('browser')!.files.map((file) => file.path)).toEqual(expect.arrayContaining(['dist/tracking.min.js', 'dist/tracking.min.js.map']));
    // Installed from the tarballs alone: nothing else came along.
    expect(readdirSync(join(project, 'node_modules')).filter((entry) => !entry.startsWith('.'))).toEqual(['@tracking-platform']);
    expect(readdirSync(join(project, 'node_modules', '@tracking-platform')).sort()).toEqual(['browser', 'node']);
  });

  it('type-checks against the installed declarations, as ES modules and as CommonJS', async () => {
    writeFileSync(
      join(project, 'uses-types.mts'),
      `import { TrackingClient, TrackingError, type TrackResult } from '@tracking-platform/node';
import { createTracker, type TrackerOptions } from '@tracking-platform/browser';
const options: TrackerOptions = { customerId: 'c', publishableKey: 'pk_x', endpoint: 'https://collect.example' };
export const make = (): [TrackingClient, ReturnType<typeof createTracker>] => [new TrackingClient({ endpoint: 'https://x.example', customerId: 'c', token: 't' }), createTracker(options)];
export const code = (error: TrackingError, result: TrackResult): string => error.errorCode + result.status;
`,
    );
    writeFileSync(join(project, 'uses-types.cts'), "import sdk = require('@tracking-platform/node');\nexport const version: string = sdk.SDK_VERSION;\n");
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--lib', 'ES2022,DOM', '--typeRoots', join(ROOT, 'node_modules', '@types'), '--types', 'node'];
    await expect(exec(process.execPath, [tsc, ...args, 'uses-types.mts', 'uses-types.cts'], { cwd: project })).resolves.toBeDefined();
  }, 60_000);

  it('sends from Node, imported as an ES module and required as CommonJS, each event naming @tracking-platform/node and its version', async () => {
    const { version } = manifestOf(installed('@tracking-platform/node'));
    const run = randomUUID();
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const outputs: NodeScriptOutput[] = [];
    for (const kind of ['esm', 'cjs'] as const) {
      const script = join(project, kind === 'esm' ? 'send.mjs' : 'send.cjs');
      writeFileSync(script, nodeScript(kind));
      const { stdout } = await exec(process.execPath, [script, gateway.url, customerId, token, run], { cwd: project, timeout: 60_000 });
      outputs.push(JSON.parse(stdout) as NodeScriptOutput);
    }
    const events = (await eventsSince(from)).filter((event) => event.page_url?.includes(run));

    for (const output of outputs) {
      expect(output.library).toEqual(['@tracking-platform/node', version]);
      expect(output.accepted).toHaveLength(3);
    }
    expect(events.map((event) => event.event_id).sort()).toEqual(outputs.flatMap((output) => output.accepted).sort());
    expect(new Set(events.map((event) => `${event.library_name}@${event.library_version}`))).toEqual(new Set([`@tracking-platform/node@${version}`]));
    expect(events.every((event) => event.user_agent?.startsWith(`@tracking-platform/node/${version} node/`))).toBe(true);
  }, 120_000);

  it('sends from Chromium: the classic script self-hosted from the package, its ES module, and the gateway\'s versioned URL pinned by the package file\'s integrity', async () => {
    const { version } = manifestOf(installed('@tracking-platform/browser'));
    const script = readFileSync(join(installed('@tracking-platform/browser'), 'dist', 'tracking.min.js'));
    const integrity = `sha384-${createHash('sha384').update(script).digest('base64')}`;
    const run = randomUUID();
    const attributes = `data-customer-id="${customerId}" data-key="${publishableKey}" data-endpoint="${gateway.url}"`;
    const config = `<script>window.trackingConfig = { requireConsent: false, flushIntervalMs: 200 };</script>`;
    const pages = {
      classic: server.add(`${config}<script src="/node_modules/@tracking-platform/browser/dist/tracking.min.js" ${attributes}></script><script>Tracking.track('packed_classic');</script>`),
      module: server.add(`<script type="module">
import { createTracker } from '/node_modules/@tracking-platform/browser/dist/index.mjs';
const tracker = createTracker({ customerId: ${JSON.stringify(customerId)}, publishableKey: ${JSON.stringify(publishableKey)}, endpoint: ${JSON.stringify(gateway.url)}, requireConsent: false, flushIntervalMs: 200 });
tracker.track('packed_module');
window.Tracking = tracker;
</script>`),
      versioned: server.add(`${config}<script src="${gateway.url}/js/v${version}/tracking.min.js" integrity="${integrity}" crossorigin="anonymous" ${attributes}></script>`),
    };
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const context = await browser.newContext();
    try {
      for (const path of Object.values(pages)) {
        const tab = await context.newPage();
        await tab.goto(`${server.origin}${path}?run=${run}`);
        await tab.waitForFunction(() => typeof (window as unknown as { Tracking?: { flush?: unknown } }).Tracking?.flush === 'function');
        await tab.evaluate(() => (window as unknown as { Tracking: { flush(): Promise<void> } }).Tracking.flush());
      }
    } finally {
      await context.close();
    }
    const events = (await eventsSince(from)).filter((event) => event.page_url?.includes(run));

    const pathOf = (event: TrackingEvent): string => new URL(event.page_url!).pathname;
    expect(events.filter((event) => event.event_type === 'page_view').map(pathOf).sort()).toEqual([pages.classic, pages.module, pages.versioned].sort());
    expect(events.filter((event) => event.event_type !== 'page_view').map((event) => [pathOf(event), event.event_name])).toEqual(
      expect.arrayContaining([
        [pages.classic, 'packed_classic'],
        [pages.module, 'packed_module'],
      ]),
    );
    expect(events.length).toBe(5);
    expect(new Set(events.map((event) => `${event.library_name}@${event.library_version}`))).toEqual(new Set([`@tracking-platform/browser@${version}`]));
  }, 120_000);

  it('serves the bundle at /js/v<version>/tracking.min.js, byte for byte the package\'s file, immutable, and only that version', async () => {
    const { version } = manifestOf(installed('@tracking-platform/browser'));
    const packaged = readFileSync(join(installed('@tracking-platform/browser'), 'dist', 'tracking.min.js'));
    const answer = await fetch(`${gateway.url}/js/v${version}/tracking.min.js`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await answer.arrayBuffer()).equals(packaged)).toBe(true);
    const moving = await fetch(`${gateway.url}/js/tracking.js`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(moving.headers.get('cache-control')).toContain('max-age=300');
    expect(Buffer.from(await moving.arrayBuffer()).equals(packaged)).toBe(true);
    expect((await fetch(`${gateway.url}/js/v0.0.1/tracking.min.js`)).status).toBe(404);
    // The source map the script names, beside either URL.
    const packagedMap = readFileSync(join(installed('@tracking-platform/browser'), 'dist', 'tracking.min.js.map'));
    expect(packaged.toString()).toMatch(/\/\/# sourceMappingURL=tracking\.min\.js\.map\s*$/);
    for (const path of [`/js/v${version}/tracking.min.js.map`, '/js/tracking.min.js.map']) {
      const map = await fetch(`${gateway.url}${path}`);
      expect(map.status).toBe(200);
      expect(Buffer.from(await map.arrayBuffer()).equals(packagedMap)).toBe(true);
    }
  });
});
