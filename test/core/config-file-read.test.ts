// Reading the config file (src/declared/file.ts) without a database: secrets that are maps, YAML's own mistakes,
// hashes YAML would read as numbers, and keys the file does not take.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PluginCatalogue } from '../../src/calls/catalogue.js';
import { readConfigText, readDeclared } from '../../src/declared/file.js';
import { shippedPlugins } from '../../src/plugins/index.js';

const catalogue = new PluginCatalogue(shippedPlugins, { allowPrivateWebhooks: true, webhookAllowedPorts: [], scriptsDir: '/scripts' });
const read = (text: string, env: NodeJS.ProcessEnv = {}) => readDeclared(text, { catalogue, existing: new Map([['api-made', '6f1c1e55-8d8a-4a3e-9a55-0e0c2d1f3b7a']]), env });

describe('reading the config file', () => {
  it('takes a map of secrets (webhook headers) as one reference per value, and refuses a literal among them', async () => {
    const text = (value: string) => `
providers:
  - name: hook
    provider_type: webhook
    credentials:
      create_url: https://dns.example.net/acme
      auth_value: {env: HOOK_AUTH}
      headers: {X-Api-Key: ${value}}
`;
    const ok = await read(text('{env: HOOK_KEY}'), { HOOK_AUTH: 'Bearer s3cret-auth', HOOK_KEY: 's3cret-key' });
    expect('declared' in ok && ok.declared.providers[0]!.parsed).toMatchObject({ auth_value: 'Bearer s3cret-auth', headers: { 'X-Api-Key': 's3cret-key' } });
    const bad = await read(text('s3cret-literal'), { HOOK_AUTH: 'Bearer s3cret-auth' });
    expect('problems' in bad && bad.problems).toEqual(['providers[0].credentials.headers.X-Api-Key: a secret must be {file: …} or {env: …} (line 8)']);
    expect(JSON.stringify(bad)).not.toContain('s3cret');
  });

  it('says where YAML itself fails, and which top-level keys it takes', async () => {
    const syntax = await read('providers:\n  - name: [unclosed\n');
    expect('problems' in syntax && syntax.problems[0]).toMatch(/^line \d+: /);
    const unknown = await read('provider: []\nsites: {}\n');
    expect('problems' in unknown && unknown.problems).toEqual([
      'provider: unknown key; the file takes providers, sites, client_tokens (line 1)',
      'sites: expected a list (line 2)',
    ]);
  });

  it('takes a token_sha256 YAML would read as a number as written, and a database provider by id or name', async () => {
    const digits = '1'.repeat(64);
    const r = await read(`
client_tokens:
  - name: a
    allowed_domains: [a.example]
    providers: [api-made]
    token_sha256: ${digits}
  - name: b
    allowed_domains: [b.example]
    providers: [6f1c1e55-8d8a-4a3e-9a55-0e0c2d1f3b7a]
    token_sha256: ${createHash('sha256').update('b').digest('hex')}
`);
    expect('declared' in r && r.declared.clientTokens.map((t) => [t.hash.slice(0, 4), t.providers])).toEqual([
      ['1111', [{ name: 'api-made' }]], [createHash('sha256').update('b').digest('hex').slice(0, 4), [{ id: '6f1c1e55-8d8a-4a3e-9a55-0e0c2d1f3b7a' }]],
    ]);
  });

  it('docs/config-file.md\'s example is valid but for its secrets, which are not on this machine', async () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/config-file.md'), 'utf8');
    const example = /^```yaml\n([\s\S]*?)^```$/m.exec(doc)![1]!;
    const r = await read(example);
    expect('problems' in r && r.problems).toEqual([
      'providers[0].credentials.tsig_key_secret: cannot read /run/secrets/tsig (ENOENT) (line 10)',
      'providers[1].credentials.tsig_key_secret: the environment variable TSIG_SECRET is not set (line 15)',
      'providers[1].credentials_list[0].credentials.tsig_key_secret: cannot read /run/secrets/tsig-internal (ENOENT) (line 20)',
      'client_tokens[0].token_file: cannot read /run/secrets/caddy-token (ENOENT) (line 30)',
      'client_tokens[1].tsig_key.secret: cannot read /run/secrets/billing-tsig (ENOENT) (line 36)',
    ]);
  });

  it('reads a reference only from a small regular file: a FIFO, a device or a huge file is a problem, not a hang', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dns01-config-refs-'));
    try {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const huge = join(dir, 'huge');
      writeFileSync(huge, 'x'.repeat(65 * 1024));
      const text = (file: string) => `
providers:
  - name: bind
    provider_type: rfc2136
    credentials: {nameserver: 127.0.0.1, tsig_key_name: k, tsig_key_secret: {file: ${file}}, zone: example.com}
`;
      const problem = async (file: string) => {
        const r = await read(text(file));
        return 'problems' in r ? r.problems : [];
      };
      expect(await problem(fifo)).toEqual([`providers[0].credentials.tsig_key_secret: cannot read ${fifo} (not a regular file) (line 5)`]);
      expect(await problem('/dev/zero')).toEqual(['providers[0].credentials.tsig_key_secret: cannot read /dev/zero (not a regular file) (line 5)']);
      expect(await problem(huge)).toEqual([`providers[0].credentials.tsig_key_secret: cannot read ${huge} (larger than 64 KiB) (line 5)`]);
      expect(readConfigText(fifo)).toEqual({ problems: [`${fifo}: cannot read the config file (not a regular file)`] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a TSIG key: its secret only by reference, base64 and long enough for its algorithm; its name one token\'s; every problem with path and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dns01-config-tsig-'));
    try {
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const good = randomBytes(32).toString('base64');
      const files = {
        good: file('good', `${good}\n`), text: file('text', 'not base64 at all!'), short: file('short', randomBytes(31).toString('base64')),
        short512: file('short512', randomBytes(32).toString('base64')),
      };
      const token = (i: number, key: string, name = `t${i}`) => `
  - name: ${name}
    allowed_domains: [example.com]
    token_sha256: ${String(i).repeat(64)}
    tsig_key: ${key}`;
      const text = `client_tokens:${[
        token(1, `{algorithm: hmac-sha256, secret: {file: ${files.text}}}`),
        token(2, `{algorithm: hmac-sha256, secret: {file: ${files.short}}}`),
        token(3, `{algorithm: hmac-sha512, secret: {env: SHORT}}`),
        token(4, `{algorithm: hmac-sha256, secret: "${good}"}`),
        token(5, `{algorithm: hmac-sha224, secret: {file: ${files.good}}}`),
        token(6, `{algorithm: hmac-sha256, secret: {file: ${files.good}}, name: "bad name", size: 3}`),
        token(7, `{algorithm: hmac-sha256, secret: {file: ${files.good}}, name: T8.DNS01-proxy.}`),
        token(8, `{algorithm: hmac-sha256, secret: {file: ${files.good}}}`),
        token(9, `{algorithm: hmac-sha256, secret: {file: ${files.good}}}`, 'api-held'),
      ].join('')}
  - name: t0
    allowed_domains: [example.com]
    token_sha256: ${'0'.repeat(64)}
    tsig_algorithm: hmac-sha256
`;
      const r = await readDeclared(text, {
        catalogue, existing: new Map(), env: { SHORT: readFileSync(files.short512, 'utf8') },
        tsigKeys: new Map([['api-held.dns01-proxy', { token: 'Api-Held', managed: false }], ['t8.dns01-proxy', { token: 't-gone', managed: true }]]),
      });
      expect('problems' in r && r.problems).toEqual([
        'client_tokens[0].tsig_key.secret: expected base64 (e.g. openssl rand -base64 32, or the secret of tsig-keygen) (line 5)',
        'client_tokens[1].tsig_key.secret: a hmac-sha256 secret needs at least 32 bytes (256 bits); this one has 31 (line 9)',
        'client_tokens[2].tsig_key.secret: a hmac-sha512 secret needs at least 64 bytes (512 bits); this one has 32 (line 13)',
        'client_tokens[3].tsig_key.secret: a secret must be {file: …} or {env: …} (line 17)',
        'client_tokens[4].tsig_key.algorithm: expected one of hmac-sha256, hmac-sha512, hmac-sha1, hmac-md5 (line 21)',
        'client_tokens[5].tsig_key.size: unknown key; tsig_key takes algorithm, secret and name (line 25)',
        'client_tokens[5].tsig_key.name: expected a DNS name such as certbot.dns01-proxy (line 25)',
        'client_tokens[9].tsig_algorithm: the config file gives a TSIG key as tsig_key: {algorithm: …, secret: {file: …} or {env: …}} (docs/config-file.md) (line 41)',
        'client_tokens[7].tsig_key: the TSIG key name t8.dns01-proxy is also t7\'s in this file (line 33)',
        'client_tokens[8].tsig_key: the TSIG key name api-held.dns01-proxy is client token Api-Held\'s already; give this key another name (line 37)',
      ]);
      expect(JSON.stringify(r)).not.toContain(good);
      // Alone, a good key reads: the name stored lower case without its dot, the secret as given; another token's managed key is free once the file drops it.
      const ok = await readDeclared(`client_tokens:${token(7, `{algorithm: hmac-sha256, secret: {file: ${files.good}}, name: T8.DNS01-proxy.}`)}\n`, {
        catalogue, existing: new Map(), env: {}, tsigKeys: new Map([['t8.dns01-proxy', { token: 't-gone', managed: true }]]),
      });
      expect('declared' in ok && ok.declared.clientTokens[0]!.tsigKey).toEqual({ name: 't8.dns01-proxy', algorithm: 'hmac-sha256', secret: good });
      // `openssl rand -base64 64` wraps its output: the line breaks are not part of the secret.
      const long = randomBytes(64).toString('base64');
      const wrapped = await readDeclared(`client_tokens:${token(1, `{algorithm: hmac-sha512, secret: {file: ${file('wrapped', `${long.slice(0, 64)}\n${long.slice(64)}\n`)}}}`)}\n`, {
        catalogue, existing: new Map(), env: {},
      });
      expect('declared' in wrapped && wrapped.declared.clientTokens[0]!.tsigKey?.secret).toBe(long);
      // A key's problems come with the rest of its token's.
      const both = await read(`client_tokens:${token(1, '{algorithm: hmac-sha256, secret: inline}', '"bad name!"')}\n`);
      expect('problems' in both && both.problems).toEqual([
        'client_tokens[0].tsig_key.secret: a secret must be {file: …} or {env: …} (line 5)',
        'client_tokens[0].name: expected 1-64 letters, digits, dot, hyphen or underscore (line 2)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty file declares nothing', async () => {
    expect(await read('')).toEqual({ declared: { providers: [], sites: [], clientTokens: [] } });
  });
});
