// Configuration: defaults, every problem at once by variable name, *_FILE secrets, placeholders and plugin settings refused,
// generated secrets written 0600.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { withGeneratedSecrets } from '../../src/secrets.js';

describe('config', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dns01-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8053, databaseUrl: undefined, dataDir: './data', scriptsDir: '/scripts', allowPrivateWebhooks: false, caddySyncIntervalMs: 30_000, logLevel: 'info' });
    expect(c.acme).toEqual({ issuer: 'letsencrypt', email: undefined, staging: false, ca: undefined, trustedRoots: [] });
  });

  it('reports every bad or unknown variable at once, by name, without echoing values', () => {
    let err: unknown;
    try {
      loadConfig({ DNS01_PORT: '99999', DNS01_ACME_ISSUER: 'someone', DNS01_CADDY_SYNC_INTERVAL: 'soon', DNS01_TYPO: 'x', DATABASE_URL: 'mysql://u:hunter2@h/db', DNS01_INTERNAL_TOKEN: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of ['DNS01_PORT', 'DNS01_ACME_ISSUER', 'DNS01_CADDY_SYNC_INTERVAL', 'DNS01_TYPO', 'DATABASE_URL', 'DNS01_INTERNAL_TOKEN']) expect(msg).toContain(name);
    expect(msg).not.toContain('hunter2');
    expect((err as ConfigError).problems).toHaveLength(6);
  });

  it('reads *_FILE secrets and refuses both forms at once', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'from-a-file-0123456789\n');
    expect(loadConfig({ DNS01_ADMIN_TOKEN_FILE: file }).adminToken).toBe('from-a-file-0123456789');
    expect(() => loadConfig({ DNS01_ADMIN_TOKEN_FILE: file, DNS01_ADMIN_TOKEN: 'x'.repeat(20) })).toThrow(/DNS01_ADMIN_TOKEN/);
    expect(() => loadConfig({ DNS01_ADMIN_TOKEN_FILE: join(dir, 'missing') })).toThrow(/DNS01_ADMIN_TOKEN_FILE: cannot read/);
  });

  function problemsOf(env: NodeJS.ProcessEnv): string[] {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  }

  it('refuses every secret still holding a shipped placeholder, by name, direct or from *_FILE', async () => {
    // The values the manifests ship (deploy/base/secrets, deploy/overlays/external-postgres/secrets).
    const shipped = (name: string) => readFile(name, 'utf8');
    const tokenFile = join(dir, 'placeholder-token');
    await writeFile(tokenFile, await shipped('deploy/base/secrets/internal-token'));
    const problems = problemsOf({
      DNS01_INTERNAL_TOKEN_FILE: tokenFile,
      DNS01_ADMIN_TOKEN: await shipped('deploy/base/secrets/admin-token'),
      DNS01_ENCRYPTION_KEY: await shipped('deploy/base/secrets/encryption-key'),
      DNS01_ENCRYPTION_KEY_NEXT: 'CHANGE_ME',
      DNS01_ENCRYPTION_KEY_V3: 'changeme-old-key',
      DATABASE_URL: 'postgres://dns01:REPLACE_ME@db.example:5432/dns01',
      REDIS_URL: 'redis://:CHANGEME@redis:6379',
    });
    expect(problems.sort()).toEqual(
      ['DNS01_INTERNAL_TOKEN_FILE', 'DNS01_ADMIN_TOKEN', 'DNS01_ENCRYPTION_KEY', 'DNS01_ENCRYPTION_KEY_NEXT', 'DNS01_ENCRYPTION_KEY_V3', 'DATABASE_URL', 'REDIS_URL'].sort().map(
        (name) => `${name}: still holds a placeholder (such as REPLACE_ME); set a real value`,
      ),
    );
    // The shipped database URL is a placeholder as a whole: one problem, not a second "expected a postgres:// URL".
    expect(problemsOf({ DATABASE_URL: await shipped('deploy/overlays/external-postgres/secrets/database-url') })).toEqual([
      'DATABASE_URL: still holds a placeholder (such as REPLACE_ME); set a real value',
    ]);
    // Real values of the same shape pass.
    const key = randomBytes(32).toString('base64');
    const c = loadConfig({ DNS01_ADMIN_TOKEN: randomBytes(32).toString('hex'), DNS01_ENCRYPTION_KEY_V3: key, DATABASE_URL: 'postgres://dns01:s3cret@db.example:5432/dns01' });
    expect(c.encryptionKeysOld).toEqual([key]);
  });

  it('takes the plugin directory and allow-list together, strict by default, and refuses one without the other', () => {
    const both = loadConfig({ DNS01_PLUGINS_DIR: '/plugins', DNS01_PLUGINS_CONFIG: '/plugins.yaml' });
    expect(both.plugins).toEqual({ dir: '/plugins', configPath: '/plugins.yaml', strict: true });
    expect(loadConfig({ DNS01_PLUGINS_DIR: '/p', DNS01_PLUGINS_CONFIG: '/c', DNS01_PLUGINS_STRICT: 'false' }).plugins?.strict).toBe(false);
    expect(loadConfig({}).plugins).toBeUndefined();
    expect(problemsOf({ DNS01_PLUGINS_DIR: '/plugins' })).toEqual(['DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG go together: set both to load plugins, or neither']);
    expect(problemsOf({ DNS01_PLUGINS_CONFIG: '/plugins.yaml' })).toEqual(['DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG go together: set both to load plugins, or neither']);
    expect(problemsOf({ DNS01_PLUGINS_DIR: '/p', DNS01_PLUGINS_CONFIG: '/c', DNS01_PLUGINS_ALLOW: 'x', DNS01_PLUGINS_STRICT: 'maybe' }).sort()).toEqual([
      'DNS01_PLUGINS_ALLOW: unknown setting',
      expect.stringMatching(/^DNS01_PLUGINS_STRICT: /),
    ]);
    expect(problemsOf({ DNS01_PLUGINS_DIR: '' })).toEqual([]);
  });

  it("ignores the operator CLI's DNS01_URL, so the CLI and the daemon can share one environment", () => {
    expect(problemsOf({ DNS01_URL: 'http://127.0.0.1:8053' })).toEqual([]);
    expect(problemsOf({ DNS01_URLS: 'x' })).toEqual(['DNS01_URLS: unknown setting']);
  });

  it('puts every problem on one line, so start-up fails with one line', () => {
    const err = (() => {
      try {
        loadConfig({ DNS01_PORT: 'x', DNS01_PLUGINS_STRICT: 'maybe' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/^invalid configuration: DNS01_PORT: .+; DNS01_PLUGINS_STRICT: /);
    expect(err?.message).not.toContain('\n');
  });

  it('parses Go-style durations', () => {
    expect([parseDuration('30s'), parseDuration('2m'), parseDuration('500ms'), parseDuration('1h'), parseDuration('45'), parseDuration('2 minutes')]).toEqual([30_000, 120_000, 500, 3_600_000, 45_000, null]);
  });

  it('waits 5 minutes for the database by default; DNS01_DATABASE_WAIT takes a duration', () => {
    expect(loadConfig({}).databaseWaitMs).toBe(300_000);
    expect(loadConfig({ DNS01_DATABASE_WAIT: '30s' }).databaseWaitMs).toBe(30_000);
    expect(loadConfig({ DNS01_DATABASE_WAIT: '0' }).databaseWaitMs).toBe(0);
    expect(() => loadConfig({ DNS01_DATABASE_WAIT: 'forever' })).toThrow(/DNS01_DATABASE_WAIT: expected a duration/);
  });

  it('generates missing secrets once, mode 0600, logging only their paths', async () => {
    const dataDir = join(dir, 'data');
    let logs = '';
    const log = createLogger('info', new Writable({ write: (c, _e, cb) => { logs += c.toString(); cb(); } }));
    const first = withGeneratedSecrets(loadConfig({ DNS01_DATA_DIR: dataDir }), log);
    const second = withGeneratedSecrets(loadConfig({ DNS01_DATA_DIR: dataDir }), log);
    expect(second.internalToken).toBe(first.internalToken);
    expect(second.encryptionKey).toBe(first.encryptionKey);
    for (const name of ['internal-token', 'admin-token', 'encryption-key']) {
      expect((await stat(join(dataDir, name))).mode & 0o777).toBe(0o600);
      expect(logs).toContain(join(dataDir, name));
    }
    expect(Buffer.from(first.encryptionKey!, 'base64')).toHaveLength(32);
    for (const secret of [first.internalToken!, first.adminToken!, first.encryptionKey!]) expect(logs).not.toContain(secret);
    expect((await readFile(join(dataDir, 'internal-token'), 'utf8')).trim()).toBe(first.internalToken);
  });

  it('an explicit secret is used as given and nothing is generated for it', () => {
    const key = randomBytes(32).toString('base64');
    const c = withGeneratedSecrets(loadConfig({ DNS01_DATA_DIR: join(dir, 'explicit'), DNS01_ENCRYPTION_KEY: key }), createLogger('silent'));
    expect(c.encryptionKey).toBe(key);
  });
});
