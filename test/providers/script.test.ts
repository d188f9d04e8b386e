// The script provider against real processes: argv/env as received, path confinement, timeout kills, redaction, uid drop.
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { PluginContext, RecordRequest } from '../../src/plugin-api/index.js';
import { scriptPlugin, scriptCredentials, SCRIPT_PATH_VAR } from '../../src/plugins/script/index.js';
import { redact, BoundedTail } from '../../src/plugins/script/output.js';
import { LIMITS } from '../../src/plugins/script/runner.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { hostPidsWithEnv } from '../support/host-procs.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/scripts/', import.meta.url));
const NSUPDATE_SH = fileURLToPath(new URL('../../plugins/scripts/nsupdate.sh', import.meta.url));
const isRoot = process.getuid?.() === 0;
const SECRET = 'tok_9f8e7d6c5b4a-VERY-SECRET';

let root: string;
let scriptsDir: string;

const req: RecordRequest = {
  challengeId: 'ch-0001',
  fqdn: '_acme-challenge.www.example.com',
  domain: 'www.example.com',
  value: 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0',
  ttl: 60,
};

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = pino({ level: 'debug' }, stream);
  const text = () => chunks.join('');
  const entries = () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, text, entries };
}

function ctxWith(log = capture().log, signal?: AbortSignal): PluginContext {
  return { log, settings: { scriptsDir, allowPrivateWebhooks: false }, signal: signal ?? new AbortController().signal };
}

/** A fresh directory the script (uid 65534 when we are root) can write its records into. */
async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(root, 'out-'));
  await chmod(dir, 0o777);
  return dir;
}

function creds(input: Record<string, unknown>) {
  return scriptCredentials.parse(input);
}

const readNul = (file: string) => readFileSync(file, 'utf8').split('\0').slice(0, -1);

function readEnv(file: string): Record<string, string> {
  const env = Object.fromEntries(readNul(file).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  delete env.PWD; // dash exports PWD itself at start; not something the daemon passed
  return env;
}

async function codeOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, got success');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dns01-script-'));
  await chmod(root, 0o755); // mkdtemp makes 0700, which uid 65534 cannot traverse
  scriptsDir = join(root, 'scripts');
  await mkdir(scriptsDir, { mode: 0o755 });
  for (const f of ['record.sh', 'fail.sh', 'forker.sh', 'background.sh']) {
    await copyFile(join(FIXTURES, f), join(scriptsDir, f));
    await chmod(join(scriptsDir, f), 0o755);
  }
  await copyFile(NSUPDATE_SH, join(scriptsDir, 'nsupdate.sh'));
  await chmod(join(scriptsDir, 'nsupdate.sh'), 0o755);
  await mkdir(join(scriptsDir, 'sub'), { mode: 0o755 });
  await copyFile(join(FIXTURES, 'record.sh'), join(scriptsDir, 'sub', 'nested.sh'));
  await chmod(join(scriptsDir, 'sub', 'nested.sh'), 0o755);
  await mkdir(join(root, 'outside'), { mode: 0o755 });
  await writeFile(join(root, 'outside', 'evil.sh'), '#!/bin/sh\ntouch "$OUT_DIR/evil-ran"\n', { mode: 0o755 });
  await symlink(join(root, 'outside', 'evil.sh'), join(scriptsDir, 'link-out.sh'));
  await symlink('record.sh', join(scriptsDir, 'link-in.sh'));
  await copyFile(join(FIXTURES, 'record.sh'), join(scriptsDir, 'noexec.sh'));
  await chmod(join(scriptsDir, 'noexec.sh'), 0o644);
  await copyFile(join(FIXTURES, 'record.sh'), join(scriptsDir, 'worldwritable.sh'));
  await chmod(join(scriptsDir, 'worldwritable.sh'), 0o777);
});

afterAll(async () => {
  delete process.env.DNS01_TEST_CANARY_SECRET;
  await rm(root, { recursive: true, force: true });
});

describe('script provider: what the script receives', () => {
  it('charon style: argv create|delete FQDN CHALLENGE_ID VALUE and exactly the minimal environment', async () => {
    const out = await outDir();
    const c = creds({ script_path: 'record.sh', env_vars: { OUT_DIR: out, API_TOKEN: SECRET } });
    expect(await scriptPlugin.present(c, req, ctxWith())).toEqual({ recordId: null });
    expect(readNul(join(out, 'argv'))).toEqual(['create', req.fqdn, req.challengeId, req.value]);
    expect(readEnv(join(out, 'env'))).toEqual({
      PATH: SCRIPT_PATH_VAR,
      HOME: '/nonexistent',
      LANG: 'C.UTF-8',
      OUT_DIR: out,
      API_TOKEN: SECRET,
      DNS_ACTION: 'create',
      DNS_FQDN: req.fqdn,
      DNS_DOMAIN: req.domain,
      DNS_VALUE: req.value,
      DNS_TTL: '60',
      DNS_CHALLENGE_ID: req.challengeId,
    });
    expect(readFileSync(join(out, 'cwd'), 'utf8').trim()).toBe(scriptsDir);

    await scriptPlugin.cleanup(c, { ...req, zone: 'example.com' }, ctxWith());
    expect(readNul(join(out, 'argv'))).toEqual(['delete', req.fqdn, req.challengeId, req.value]);
    const env = readEnv(join(out, 'env'));
    expect(env.DNS_ACTION).toBe('delete');
    expect(env.DNS_ZONE).toBe('example.com');
  });

  it('lego style: argv present|cleanup FQDN. VALUE', async () => {
    const out = await outDir();
    const c = creds({ script_path: join(scriptsDir, 'record.sh'), arg_style: 'lego', env_vars: { OUT_DIR: out } });
    await scriptPlugin.present(c, req, ctxWith());
    expect(readNul(join(out, 'argv'))).toEqual(['present', `${req.fqdn}.`, req.value]);
    await scriptPlugin.cleanup(c, req, ctxWith());
    expect(readNul(join(out, 'argv'))).toEqual(['cleanup', `${req.fqdn}.`, req.value]);
  });

  it('hands hostile arguments over literally, never through a shell', async () => {
    const out = await outDir();
    const fqdn = `_acme-challenge.$(touch ${out}/pwned1);\`touch ${out}/pwned2\`\n--help`;
    const value = `-rf; touch ${out}/pwned3 | cat && echo $HOME *`;
    const c = creds({ script_path: 'record.sh', env_vars: { OUT_DIR: out } });
    await scriptPlugin.present(c, { ...req, fqdn, value, challengeId: '--version' }, ctxWith());
    expect(readNul(join(out, 'argv'))).toEqual(['create', fqdn, '--version', value]);
    for (const f of ['pwned1', 'pwned2', 'pwned3']) expect(existsSync(join(out, f))).toBe(false);
  });

  it('does not pass on the daemon\'s own environment', async () => {
    process.env.DNS01_TEST_CANARY_SECRET = 'canary-4242-do-not-leak';
    const out = await outDir();
    await scriptPlugin.present(creds({ script_path: 'record.sh', env_vars: { OUT_DIR: out } }), req, ctxWith());
    const raw = readFileSync(join(out, 'env'), 'utf8');
    expect(raw).not.toContain('canary-4242-do-not-leak');
    expect(raw).not.toContain('DNS01_TEST_CANARY_SECRET');
    expect(raw).not.toContain('NODE_');
    expect(raw).not.toContain('VITEST');
  });

  it('runs under prlimit with the documented limits', async () => {
    const out = await outDir();
    await scriptPlugin.present(creds({ script_path: 'sub/nested.sh', env_vars: { OUT_DIR: out } }), req, ctxWith());
    const limits = readFileSync(join(out, 'limits'), 'utf8');
    expect(limits).toMatch(new RegExp(`Max open files\\s+${LIMITS.nofile}\\s+${LIMITS.nofile}`));
    const nproc = isRoot ? LIMITS.nproc.dropped : LIMITS.nproc.sameUser;
    expect(limits).toMatch(new RegExp(`Max processes\\s+${nproc}\\s+${nproc}`));
    expect(limits).toMatch(new RegExp(`Max address space\\s+${LIMITS.addressSpaceBytes}\\s+${LIMITS.addressSpaceBytes}`));
    expect(limits).toMatch(/Max core file size\s+0\s+0/);
  });

  it.runIf(isRoot)('runs as uid/gid 65534 without supplementary groups when the daemon is root', async () => {
    const out = await outDir();
    const cap = capture();
    await scriptPlugin.present(creds({ script_path: 'record.sh', env_vars: { OUT_DIR: out } }), req, ctxWith(cap.log));
    expect(readFileSync(join(out, 'uid'), 'utf8').trim()).toBe('65534');
    expect(readFileSync(join(out, 'groups'), 'utf8').trim()).toBe('65534');
    const output = cap.entries().find((e) => e.event === 'script_output');
    expect(output).toMatchObject({ challengeId: req.challengeId, level: 20 });
    expect(output?.stdout).toContain('uid=65534');
  });
});

describe('script provider: path confinement', () => {
  const refused: Array<[string, () => string]> = [
    ['`..` traversal', () => '../outside/evil.sh'],
    ['an absolute path outside', () => join(root, 'outside', 'evil.sh')],
    ['a symlink pointing outside', () => 'link-out.sh'],
    ['a system binary', () => '/bin/true'],
    ['a missing file', () => 'missing.sh'],
    ['a directory', () => 'sub'],
    ['a non-executable file', () => 'noexec.sh'],
    ['a world-writable file', () => 'worldwritable.sh'],
  ];
  for (const [what, path] of refused) {
    it(`refuses ${what} at save time, in test() and at run time`, async () => {
      const out = await outDir();
      const c = creds({ script_path: path(), env_vars: { OUT_DIR: out } });
      const saved = await codeOf(Promise.resolve(scriptPlugin.check(c, ctxWith().settings)));
      expect(saved).toMatchObject({ code: 'SCRIPT_PATH_INVALID', status: 400 });
      expect((await scriptPlugin.test(c, ctxWith())).ok).toBe(false);
      const cap = capture();
      expect(await codeOf(scriptPlugin.present(c, req, ctxWith(cap.log)))).toMatchObject({ code: 'SCRIPT_PATH_INVALID' });
      expect(existsSync(join(out, 'evil-ran'))).toBe(false);
      expect(cap.entries().find((e) => e.event === 'script_run')).toMatchObject({
        msg: 'script not run', exitCode: null, error: 'SCRIPT_PATH_INVALID', challengeId: req.challengeId,
      });
    });
  }

  it('accepts a symlink that stays inside and reports test() ok without running the script', async () => {
    const out = await outDir();
    const c = creds({ script_path: 'link-in.sh', env_vars: { OUT_DIR: out } });
    await scriptPlugin.check(c, ctxWith().settings);
    expect(await scriptPlugin.test(c, ctxWith())).toMatchObject({ ok: true });
    expect(existsSync(join(out, 'argv'))).toBe(false);
  });

  it.runIf(isRoot)('refuses a script the unprivileged script user could rewrite', async () => {
    const file = join(scriptsDir, 'owned-by-nobody.sh');
    await copyFile(join(FIXTURES, 'record.sh'), file);
    await chmod(file, 0o755);
    await chown(file, 65534, 65534);
    const err = await codeOf(Promise.resolve(scriptPlugin.check(creds({ script_path: file }), ctxWith().settings)));
    expect(err).toMatchObject({ code: 'SCRIPT_PATH_INVALID' });
    expect(err.message).toContain('writable by uid 65534');
    await rm(file);
  });

  it('re-checks right before each run: a script made world-writable after saving is refused', async () => {
    const file = join(scriptsDir, 'later.sh');
    await copyFile(join(FIXTURES, 'record.sh'), file);
    await chmod(file, 0o755);
    const out = await outDir();
    const c = creds({ script_path: 'later.sh', env_vars: { OUT_DIR: out } });
    await scriptPlugin.check(c, ctxWith().settings);
    await chmod(file, 0o777);
    expect(await codeOf(scriptPlugin.present(c, req, ctxWith()))).toMatchObject({ code: 'SCRIPT_PATH_INVALID' });
    expect(existsSync(join(out, 'argv'))).toBe(false);
    await rm(file);
  });
});

describe('script provider: failures, timeouts, secrets', () => {
  it('a non-zero exit is SCRIPT_FAILED; the secret is in no error, detail or log line', async () => {
    const cap = capture();
    const c = creds({ script_path: 'fail.sh', env_vars: { SECRET_TOKEN: SECRET } });
    const err = await codeOf(scriptPlugin.present(c, req, ctxWith(cap.log)));
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED', status: 502 });
    expect(err.details).toMatchObject({ exitCode: 3 });
    expect(JSON.stringify({ m: err.message, b: err.toBody(), s: err.stack })).not.toContain(SECRET);

    const logged = cap.text();
    expect(logged).not.toContain(SECRET);
    expect(logged).toContain('auth failed for token=[REDACTED], giving up');
    const run = cap.entries().find((e) => e.event === 'script_run');
    expect(run).toMatchObject({
      msg: 'script finished',
      level: 30,
      action: 'create',
      fqdn: req.fqdn,
      challengeId: req.challengeId,
      exitCode: 3,
      script: join(scriptsDir, 'fail.sh'),
    });
    expect(typeof run?.durationMs).toBe('number');
  });

  it('timeout kills the whole group, SIGTERM-ignoring children and group leavers included', { timeout: 60_000 }, async () => {
    const out = await outDir();
    const c = creds({ script_path: 'forker.sh', timeout_seconds: 3, env_vars: { OUT_DIR: out } });
    const err = await codeOf(scriptPlugin.present(c, req, ctxWith()));
    expect(err).toMatchObject({ code: 'SCRIPT_TIMEOUT', status: 504 });
    const pids = (await readFile(join(out, 'pids'), 'utf8')).split('\n').filter(Boolean).map(Number);
    expect(pids).toHaveLength(4);
    // The pids the script printed may be PID-namespace pids; the host's /proc is searched by the script's env.
    expect(hostPidsWithEnv(`OUT_DIR=${out}`)).toEqual([]);
  });

  it('leaves nothing running after a script that exits with children in the background', async () => {
    const out = await outDir();
    await scriptPlugin.present(creds({ script_path: 'background.sh', env_vars: { OUT_DIR: out } }), req, ctxWith());
    const pids = (await readFile(join(out, 'pids'), 'utf8')).split('\n').filter(Boolean).map(Number);
    expect(pids).toHaveLength(1);
    expect(hostPidsWithEnv(`OUT_DIR=${out}`)).toEqual([]);
  });

  it('stops the script on shutdown (aborted signal)', async () => {
    const out = await outDir();
    const c = creds({ script_path: 'forker.sh', env_vars: { OUT_DIR: out } });
    const err = await codeOf(scriptPlugin.present(c, req, ctxWith(capture().log, AbortSignal.abort())));
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED', retryable: true });
  }, 30_000);
});

describe('script provider: credentials and output helpers', () => {
  it('rejects reserved or malformed env_vars names without echoing values', () => {
    for (const name of ['PATH', 'HOME', 'LANG', 'DNS_VALUE', 'LD_PRELOAD', 'LIBMOUNT_FSTAB', 'NODE_OPTIONS', 'BASH_ENV', 'lower', '1ABC', 'A-B']) {
      const r = scriptCredentials.safeParse({ script_path: 'x.sh', env_vars: { [name]: SECRET } });
      expect(r.success, name).toBe(false);
      expect(JSON.stringify(r.error?.issues)).not.toContain(SECRET);
    }
    expect(scriptCredentials.safeParse({ script_path: 'x.sh', timeout_seconds: 601 }).success).toBe(false);
    expect(scriptCredentials.safeParse({ script_path: 'x.sh', arg_style: 'bash' }).success).toBe(false);
    expect(scriptCredentials.parse({ script_path: 'x.sh' })).toEqual({ script_path: 'x.sh', timeout_seconds: 60, env_vars: {}, arg_style: 'charon', allow_network: false });
  });

  it('takes the string forms verbatim: timeout as a string, env_vars as "K=V,K2=V2" (stored as the map)', () => {
    expect(scriptCredentials.parse({ script_path: '/scripts/dns-update.sh', timeout_seconds: '60', env_vars: 'DNS_SERVER=ns1.example.com,API_KEY=${API_KEY}' })).toEqual({
      script_path: '/scripts/dns-update.sh', timeout_seconds: 60, env_vars: { DNS_SERVER: 'ns1.example.com', API_KEY: '${API_KEY}' }, arg_style: 'charon', allow_network: false,
    });
    expect(scriptCredentials.parse({ script_path: 'x.sh', env_vars: 'A=1=2, B=,' }).env_vars).toEqual({ A: '1=2', B: '' });
    // The string form gets the same name checks, and its issues name the key, never the value.
    for (const list of [`DNS_VALUE=${SECRET}`, `LD_PRELOAD=${SECRET}`, `lower=${SECRET}`, SECRET.toUpperCase().replace(/-/g, '_')]) {
      const r = scriptCredentials.safeParse({ script_path: 'x.sh', env_vars: list });
      expect(r.success, list).toBe(false);
      expect(JSON.stringify(r.error?.issues)).not.toContain(SECRET);
    }
  });

  it('working_directory: honoured when inside the scripts directory, refused outside it or when not a directory', async () => {
    const out = await outDir();
    const c = creds({ script_path: 'record.sh', working_directory: 'sub', env_vars: `OUT_DIR=${out}` });
    await scriptPlugin.present(c, req, ctxWith());
    expect(readFileSync(join(out, 'cwd'), 'utf8').trim()).toBe(join(scriptsDir, 'sub'));
    await scriptPlugin.check!(creds({ script_path: 'record.sh', working_directory: scriptsDir }), ctxWith().settings);
    for (const [dir, re] of [['..', /resolves outside/], [join(root, 'outside'), /resolves outside/], ['record.sh', /is not a directory/], ['missing', /cannot be resolved/]] as const) {
      const err = await codeOf(Promise.resolve(scriptPlugin.check!(creds({ script_path: 'record.sh', working_directory: dir }), ctxWith().settings)));
      expect(err.code, dir).toBe('SCRIPT_PATH_INVALID');
      expect(err.message, dir).toMatch(re);
      expect((await scriptPlugin.test!(creds({ script_path: 'record.sh', working_directory: dir }), ctxWith())).ok, dir).toBe(false);
    }
  });

  it('redacts secrets, including one cut in half where the kept tail begins', () => {
    expect(redact('a secret and secret', ['secret'])).toBe('a [REDACTED] and [REDACTED]');
    expect(redact('cret then secret', ['secret'], true)).toBe('[REDACTED] then [REDACTED]');
    const t = new BoundedTail(8);
    t.push(Buffer.from('xxxxxxxxxxxxxxxxxxxx-SECRET!-tail'));
    const { text, truncated } = t.read();
    expect(truncated).toBe(true);
    expect(redact(text, ['-SECRET!-'], truncated)).not.toMatch(/SECRET|ECRET|CRET/);
  });
});

describe('plugins/scripts/nsupdate.sh against a real BIND', () => {
  const key = { name: 'dns01-test', algorithm: 'hmac-sha256' as const, secret: 'c2NyaXB0LXByb3ZpZGVyLXRlc3Qta2V5LTAxMjM0NTY=' };
  const zone = 'script.test';
  const name = `_acme-challenge.${zone}`;
  const v1 = 'A'.repeat(43);
  const v2 = 'b-_'.repeat(14) + 'c';
  let bind: RunningDnsServer;
  let keyFile: string;

  beforeAll(async () => {
    bind = await startBind({ zones: [zone], tsigKeys: [key] });
    const keyDir = await mkdtemp(join(root, 'key-'));
    await chmod(keyDir, 0o755);
    keyFile = join(keyDir, 'tsig.key');
    // Readable by 65534, the user a root daemon runs scripts as (operators: root:65534 0640).
    await writeFile(keyFile, `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };\n`, { mode: 0o644 });
  });
  afterAll(async () => {
    await bind?.stop();
  });

  // nsupdate talks to BIND over loopback: the provider must allow network access.
  const creds = (input: Record<string, unknown>) => scriptCredentials.parse({ ...input, allow_network: true });
  const env = (nsKey: string) => ({ NSUPDATE_SERVER: bind.host, NSUPDATE_PORT: String(bind.port), NSUPDATE_ZONE: zone, NSUPDATE_KEY: nsKey });
  const r = (value: string, challengeId: string): RecordRequest => ({ challengeId, fqdn: name, domain: zone, value, ttl: 60 });

  it('adds two values on one name and removes only its own (key file, then inline key)', async () => {
    const byFile = creds({ script_path: 'nsupdate.sh', env_vars: env(keyFile) });
    const inline = creds({ script_path: 'nsupdate.sh', env_vars: env(`${key.algorithm}:${key.name}:${key.secret}`) });
    await scriptPlugin.present(byFile, r(v1, 'ch-a'), ctxWith());
    await scriptPlugin.present(inline, r(v2, 'ch-b'), ctxWith());
    expect((await bind.txt(name)).sort()).toEqual([v1, v2].sort());
    await scriptPlugin.cleanup(byFile, r(v1, 'ch-a'), ctxWith());
    expect(await bind.txt(name)).toEqual([v2]);
    await scriptPlugin.cleanup(inline, r(v2, 'ch-b'), ctxWith());
    expect(await bind.txt(name)).toEqual([]);
    // Removing a value that is not there is a success.
    await scriptPlugin.cleanup(inline, r(v2, 'ch-b'), ctxWith());
  });

  it('a wrong key fails with SCRIPT_FAILED and the key stays out of errors and logs', async () => {
    const cap = capture();
    const wrong = 'd3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMDA=';
    const c = creds({ script_path: 'nsupdate.sh', env_vars: env(`${key.algorithm}:${key.name}:${wrong}`) });
    const err = await codeOf(scriptPlugin.present(c, r(v1, 'ch-c'), ctxWith(cap.log)));
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED' });
    expect(JSON.stringify(err.toBody()) + cap.text()).not.toContain(wrong);
    expect(await bind.txt(name)).toEqual([]);
  });

  it('a name the server refuses exits 77: SCRIPT_FAILED marked as a refusal; a wrong key exits 2 and is not one', async () => {
    const granted = `_acme-challenge.ok.${zone}`;
    const policed = await startBind({ zones: [zone], tsigKeys: [key], grantNames: [granted] });
    try {
      const c = creds({ script_path: 'nsupdate.sh', env_vars: { ...env(keyFile), NSUPDATE_SERVER: policed.host, NSUPDATE_PORT: String(policed.port) } });
      await scriptPlugin.present(c, { ...r(v1, 'ch-g'), fqdn: granted }, ctxWith());
      expect(await policed.txt(granted)).toEqual([v1]);
      const refused = await codeOf(scriptPlugin.present(c, { ...r(v2, 'ch-r'), fqdn: `_acme-challenge.no.${zone}` }, ctxWith()));
      expect(refused).toMatchObject({ code: 'SCRIPT_FAILED', details: { exitCode: 77 }, delivery: 'refused' });
      const wrongKey = creds({ script_path: 'nsupdate.sh', env_vars: { ...env(`${key.algorithm}:${key.name}:d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMDA=`), NSUPDATE_SERVER: policed.host, NSUPDATE_PORT: String(policed.port) } });
      const badKey = await codeOf(scriptPlugin.present(wrongKey, { ...r(v2, 'ch-k'), fqdn: granted }, ctxWith()));
      expect(badKey).toMatchObject({ code: 'SCRIPT_FAILED', details: { exitCode: 2 }, delivery: 'not_sent' });
    } finally {
      await policed.stop();
    }
  });

  it('refuses values that would inject nsupdate commands', async () => {
    const c = creds({ script_path: 'nsupdate.sh', env_vars: env(keyFile) });
    const cap = capture();
    const err = await codeOf(scriptPlugin.present(c, r(`${v1}"\nupdate delete ${name}. TXT\nsend`, 'ch-d'), ctxWith(cap.log)));
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED', details: { exitCode: 2 } });
    const failed = cap.entries().find((e) => e.event === 'script_failed');
    expect(failed).toMatchObject({ level: 40, challengeId: 'ch-d', exitCode: 2 });
    expect(failed?.stderrTail).toContain('VALUE is not base64url');
  });
});
