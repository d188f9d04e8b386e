// Every shell block of README.md and docs/getting-started.md, run as a reader would, against real peers: the daemon
// as a process (generating its secrets into data/), BIND holding example.com, Pebble as the CA, lego, curl.
//
// A block runs with only these substitutions (SUBSTITUTIONS below; nothing else of its text changes):
// - host and port: 127.0.0.1:8053 -> the test daemon's port; the webhook URL https://dns-api.example.net/acme ->
//   a loopback receiver that writes BIND (so the daemon runs with DNS01_ALLOW_PRIVATE_WEBHOOKS=true); the private
//   zone's DNS server 10.0.0.53:53 -> BIND's address;
// - keys and names: the webhook token the README leaves to the reader ("Bearer …") -> a token; the example
//   provider and challenge ids -> the ones this run created; Traefik's token file
//   /run/secrets/dns01-internal-token -> the daemon's data/internal-token;
// - the CA: lego gets `--server <Pebble's directory>` and LEGO_CA_CERTIFICATES (what README.md says to add for a
//   private CA) instead of Let's Encrypt; where a block has no --dns.resolvers, lego also gets BIND's address and
//   --dns.disable-cp, because this machine has no public DNS to find example.com in; acme.sh (upstream's, from
//   test/acmesh/vendor/) gets --server and --ca-bundle for Pebble, and --dnssleep 1 for its public DoH check.
// Traefik is not run (its variables go to lego's httpreq provider, which Traefik embeds). README's first two
// commands are run elsewhere: the first in a fresh clone by test/e2e/readme.test.ts, the second by .ci/run.
//
// A block no runner claims fails, naming its page and line: a new command in those pages cannot go untested.
// Adding one is a line in RUNNERS: a pattern of the block and how it is run (`shell` runs it as it is and wants
// exit 0).
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsWebhook, dnsWriter, issuedSans, tsigKey, type DnsWebhook } from '../support/acme-rig.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const ACME_SH = join(REPO_ROOT, 'test/acmesh/vendor');
const PAGES = ['README.md', 'docs/getting-started.md'];
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
const ZONE = 'example.com';
/** The ids the pages show, replaced by the ones this run made. */
const DOC_PROVIDER_ID = '42a76275-a64b-498c-86bd-9f970f7bdd64';
const DOC_CHALLENGE_ID = '840ab5b3-5eda-4772-a2ec-44b294ef54c4';

interface Block { page: string; line: number; lang: string; text: string }

/** Every fenced block of a page whose language is a shell's, with the line its text starts on. */
function shellBlocks(page: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^( *)```([\w-]*)\n([\s\S]*?)^\1```$/gm)) {
    const line = markdown.slice(0, m.index).split('\n').length + 1;
    const text = m[3]!.split('\n').map((l) => l.slice(m[1]!.length)).join('\n').trimEnd();
    if (SHELL.has(m[2]!)) blocks.push({ page, line, lang: m[2]!, text });
  }
  return blocks;
}

const key = tsigKey('docs-commands');
let bind: RunningDnsServer;
let pebble: Pebble;
let far: DnsWebhook;
let receiver: WebhookReceiver;
let work = '';

/** One page's run: its own daemon (fresh data/), the provider and challenge its blocks made. */
interface Page { daemon: DaemonProcess; providerId?: string; challengeId?: string }

const SUBSTITUTIONS: Array<[from: string, to: (p: Page) => string]> = [
  ['127.0.0.1:8053', (p) => `127.0.0.1:${p.daemon.port}`],
  ['https://dns-api.example.net/acme', () => receiver.url],
  // The README's webhook token is left for the reader to fill in ("Bearer …"); an ellipsis is no header value.
  ['"Bearer …"', () => '"Bearer docs-commands-webhook-token"'],
  ['10.0.0.53:53', () => `${bind.host}:${bind.port}`],
  [DOC_PROVIDER_ID, (p) => p.providerId ?? 'no provider registered yet on this page'],
  [DOC_CHALLENGE_ID, (p) => p.challengeId ?? 'no challenge made yet on this page'],
  ['/run/secrets/dns01-internal-token', (p) => join(p.daemon.dataDir, 'internal-token')],
];

function localise(text: string, p: Page): string {
  return SUBSTITUTIONS.reduce((t, [from, to]) => t.replaceAll(from, to(p)), text);
}

interface Ran { code: number | null; stdout: string; stderr: string; cwd: string }

/**
 * Runs a block's text with bash -e in a fresh directory holding `data` (the daemon's data directory, as beside a
 * checkout that ran `npm start`), with a reader's bare environment.
 */
async function sh(text: string, p: Page, opts: { env?: Record<string, string>; pathFirst?: string } = {}): Promise<Ran> {
  const cwd = await mkdtemp(join(work, 'run-'));
  await symlink(p.daemon.dataDir, join(cwd, 'data'));
  const env = { PATH: `${opts.pathFirst ? `${opts.pathFirst}:` : ''}/usr/bin:/bin`, HOME: cwd, LANG: 'C.UTF-8', ...opts.env };
  return new Promise((done) => {
    const child = spawn('bash', ['-e', '-c', text], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 180_000);
    child.once('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr, cwd }); });
  });
}

const failure = (r: Ran, p: Page) => `exit ${r.code}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-4000)}\ndaemon:\n${p.daemon.output().slice(-3000)}`;

/** The block as it is (after the substitutions), wanting exit 0. */
async function shell(b: Block, p: Page): Promise<Ran> {
  const r = await sh(localise(b.text, p), p);
  expect(r.code, failure(r, p)).toBe(0);
  return r;
}

async function adminGet(p: Page, path: string): Promise<any> {
  const token = (await readFile(join(p.daemon.dataDir, 'admin-token'), 'utf8')).trim();
  const res = await fetch(`${p.daemon.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.json();
}

/** README's first command: run verbatim in a fresh clone of HEAD, until /health answers, by test/e2e/readme.test.ts. */
async function readmeFirstCommand(b: Block): Promise<void> {
  const readme = shellBlocks('README.md', await readFile(join(REPO_ROOT, 'README.md'), 'utf8'));
  expect(b.text).toBe(readme[0]!.text);
  const test = await readFile(join(REPO_ROOT, 'test/e2e/readme.test.ts'), 'utf8');
  expect(test).toContain("command = shellBlocks(await readFile(join(dir, 'README.md'), 'utf8'))[0]");
  expect(test).toContain("spawn('bash', ['-c', command]");
}

/** README's test command installs the servers and runs this suite: .ci/run runs exactly that line. */
async function ciCommand(b: Block): Promise<void> {
  const ci = (await readFile(join(REPO_ROOT, '.ci/run'), 'utf8')).trim().split('\n');
  expect(ci.at(-1)).toBe(b.text);
}

/** `curl …/ready` followed by `# <reply>`: the reply must be the one shown. */
async function readyReply(b: Block, p: Page): Promise<void> {
  const shown = b.text.split('\n').find((l) => l.startsWith('# '))!.slice(2);
  const r = await shell(b, p);
  // The script sandbox depends on the kernel and the user (docs/plugins.md: userns, root, or none with a reason).
  type Ready = { checks: { scripts: Record<string, unknown> } };
  const scripts = ({ checks }: Ready) => ({ ...checks.scripts, sandbox: undefined, reason: undefined });
  const got = JSON.parse(r.stdout) as Ready;
  const want = JSON.parse(shown) as Ready;
  expect(['userns', 'root', 'none']).toContain(got.checks.scripts.sandbox);
  expect({ ...got, checks: { ...got.checks, scripts: scripts(got) } }).toEqual({ ...want, checks: { ...want.checks, scripts: scripts(want) } });
}

/** A provider registered with the admin token from data/: 201 with the provider, whose id later blocks use. */
async function registerProvider(b: Block, p: Page): Promise<void> {
  const r = await shell(b, p);
  const reply = JSON.parse(r.stdout) as { success: boolean; provider: { id: string; is_default: boolean } };
  expect(reply.success, r.stdout).toBe(true);
  expect(reply.provider.is_default).toBe(true);
  p.providerId = reply.provider.id;
}

/** The certificate lego wrote under .lego/ in its working directory, checked to chain to Pebble's root. */
async function legoSans(cwd: string): Promise<string[]> {
  const dir = join(cwd, '.lego', 'certificates');
  const leaf = (await readdir(dir)).find((f) => f.endsWith('.crt') && !f.endsWith('.issuer.crt'));
  return issuedSans(await readFile(join(dir, leaf!), 'utf8'), pebble);
}

/** Pebble instead of Let's Encrypt, and BIND as the resolver where the block names none. */
function legoAgainstPebble(text: string): string {
  const resolvers = text.includes('--dns.resolvers') ? '' : ` --dns.resolvers ${bind.host}:${bind.port} --dns.disable-cp`;
  return text.replace(/^lego --email (\S+) --accept-tos --dns httpreq/m, (m) => `lego --server ${pebble.directoryUrl} ${m.slice('lego '.length)}${resolvers}`);
}

/** The `-d` names of a lego or acme.sh command line, quotes removed. */
const domainsOf = (text: string) => [...text.matchAll(/ -d '?([^' ]+)'?/g)].map((m) => m[1]!).sort();

/** lego's httpreq run, issuing from Pebble through the daemon; the challenge rows it made are kept for later blocks. */
async function lego(b: Block, p: Page): Promise<void> {
  const text = legoAgainstPebble(localise(b.text, p));
  expect(text, 'the block is a lego command this runner can point at Pebble').toContain(`--server ${pebble.directoryUrl}`);
  const r = await sh(text, p, { env: { LEGO_CA_CERTIFICATES: pebble.caCertPath } });
  expect(r.code, failure(r, p)).toBe(0);
  expect(await legoSans(r.cwd)).toEqual(domainsOf(b.text));
  const { challenges } = await adminGet(p, '/api/v1/challenges');
  p.challengeId = (challenges as { id: string }[])[0]?.id;
}

/**
 * Traefik is not run: its DNS-01 is lego's httpreq provider, configured by these variables in Traefik's
 * environment. They go to lego's environment as they are (the _FILE variant too), for the domains of the page's
 * traefik.yml example.
 */
async function traefikAsLego(b: Block, p: Page): Promise<void> {
  const env = Object.fromEntries(localise(b.text, p).split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean).map((l) => {
    const at = l.indexOf('=');
    return [l.slice(0, at), l.slice(at + 1)];
  }));
  expect(Object.keys(env).sort()).toEqual(['HTTPREQ_ENDPOINT', 'HTTPREQ_PASSWORD_FILE', 'HTTPREQ_USERNAME']);
  const domains = `-d ${ZONE} -d '*.${ZONE}'`;
  const r = await sh(legoAgainstPebble(`lego --email you@example.com --accept-tos --dns httpreq ${domains} run`), p,
    { env: { ...env, LEGO_CA_CERTIFICATES: pebble.caCertPath } });
  expect(r.code, failure(r, p)).toBe(0);
  expect(await legoSans(r.cwd)).toEqual([`*.${ZONE}`, ZONE]);
}

/**
 * acme.sh, unchanged upstream (test/acmesh/vendor/: neither Debian 12 nor npm ships it), first on PATH. It gets
 * Pebble (`--server`, `--ca-bundle`) instead of its default CA, and `--dnssleep 1` instead of its own check of
 * the record through public DNS-over-HTTPS resolvers, which this machine cannot reach (Pebble checks it in BIND).
 */
async function acmeSh(b: Block, p: Page): Promise<void> {
  const text = localise(b.text, p).replace(/^acme\.sh --issue --dns dns_acmeproxy /m,
    `acme.sh --issue --server ${pebble.directoryUrl} --ca-bundle ${pebble.caCertPath} --dnssleep 1 --dns dns_acmeproxy `);
  expect(text).toContain(`--server ${pebble.directoryUrl}`);
  const created = far.created.length;
  const r = await sh(text, p, { pathFirst: ACME_SH });
  expect(r.code, failure(r, p)).toBe(0);
  // The first -d names acme.sh's directory; an ECDSA key (its default) puts it in <name>_ecc.
  const [first] = [...b.text.matchAll(/ -d '?([^' ]+)'?/g)].map((m) => m[1]!);
  const chain = await readFile(join(r.cwd, '.acme.sh', `${first}_ecc`, 'fullchain.cer'), 'utf8');
  expect(await issuedSans(chain, pebble)).toEqual(domainsOf(b.text));
  // Through the daemon: one value per name went to the webhook and was taken away again.
  const values = far.created.slice(created);
  expect(values).toHaveLength(domainsOf(b.text).length);
  expect(far.deleted).toEqual(expect.arrayContaining(values));
}

/** A challenge read by id with the internal token: the id of one lego's run made on this page. */
async function readChallenge(b: Block, p: Page): Promise<void> {
  expect(p.challengeId, 'a lego block ran before on this page').toBeDefined();
  const r = await shell(b, p);
  expect(JSON.parse(r.stdout)).toMatchObject({ success: true, challenge: { id: p.challengeId, fqdn: `_acme-challenge.${ZONE}` } });
}

/** Which runner takes a block: the first line of the table whose pattern matches it. */
const RUNNERS: Array<{ match: RegExp; run: (b: Block, p: Page) => Promise<void> }> = [
  { match: /^bash scripts\/node24\.sh sh -c 'npm ci && npm run build && npm start'$/, run: readmeFirstCommand },
  { match: /^bash scripts\/node24\.sh sh -c 'bash test\/install-servers\.sh && npm ci && npm test'$/, run: ciCommand },
  { match: /^curl -s http:\/\/127\.0\.0\.1:8053\/ready\n# \{/, run: readyReply },
  { match: /^ADMIN_TOKEN=\$\(cat data\/admin-token\)\ncurl -s -H "Authorization: Bearer \$ADMIN_TOKEN" .*\/api\/v1\/dns-providers -d /s, run: registerProvider },
  { match: /^(HTTPREQ_\w+=.*\n)+lego --email /, run: lego },
  { match: /^HTTPREQ_ENDPOINT=\S+\nHTTPREQ_USERNAME=traefik\nHTTPREQ_PASSWORD_FILE=/, run: traefikAsLego },
  { match: /^(export ACMEPROXY_\w+=.*\n)+acme\.sh --issue --dns dns_acmeproxy /, run: acmeSh },
  { match: /^curl -s -H "Authorization: Bearer \$\(cat data\/internal-token\)" \\\n\s+http:\/\/127\.0\.0\.1:8053\/internal\/dns-challenge\/[0-9a-f-]{36}$/, run: readChallenge },
];

const pages = await Promise.all(PAGES.map(async (page) => ({ page, blocks: shellBlocks(page, await readFile(join(REPO_ROOT, page), 'utf8')) })));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dns01-docs-commands-'));
  bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
  far = dnsWebhook(bind, dnsWriter(bind, key, ZONE));
  receiver = await startWebhookReceiver({ handler: far.handler });
}, 120_000);

afterAll(async () => {
  await receiver?.stop();
  await pebble?.stop();
  await bind?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the shell blocks of README.md and docs/getting-started.md', () => {
  it('are found (the extraction works)', () => {
    for (const { page, blocks } of pages) expect(blocks.length, page).toBeGreaterThan(2);
  });

  it('each have a runner', () => {
    const unclaimed = pages.flatMap(({ blocks }) => blocks).filter((b) => !RUNNERS.some((r) => r.match.test(b.text)));
    expect(unclaimed.map((b) => `${b.page}:${b.line}: ${b.text.split('\n')[0]} (add a line to RUNNERS in test/e2e/docs-commands.test.ts)`)).toEqual([]);
  });
});

for (const { page, blocks } of pages) {
  describe(page, () => {
    const p = {} as Page;
    beforeAll(async () => {
      // As after the README's first command: the daemon generated its secrets into data/; DNS checks ask BIND.
      p.daemon = await startDaemonProcess({
        generatedSecrets: true,
        env: { DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) },
      });
    }, 120_000);
    afterAll(async () => { await p.daemon?.stop(); });

    for (const b of blocks) {
      it(`${page}:${b.line}: ${b.text.split('\n').find((l) => !l.startsWith('#'))!.slice(0, 70)}`, async () => {
        const runner = RUNNERS.find((r) => r.match.test(b.text));
        expect(runner, `no runner for ${page}:${b.line}`).toBeDefined();
        await runner!.run(b, p);
      }, 240_000);
    }
  });
}
