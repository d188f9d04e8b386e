// Reading the config file (src/declared/file.ts) without a database: secrets that are maps, YAML's own mistakes,
// hashes YAML would read as numbers, and keys the file does not take.
import { createHash } from 'node:crypto';
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

  it('refuses tsig_algorithm on a client token: a TSIG key is made through the API only', async () => {
    const res = await read(`
client_tokens:
  - name: certbot
    allowed_domains: [example.com]
    token_sha256: ${'a'.repeat(64)}
    tsig_algorithm: hmac-sha256
`);
    expect('problems' in res && res.problems).toEqual([
      'client_tokens[0].tsig_algorithm: TSIG keys are made through POST /api/v1/client-tokens only; the config file cannot declare one (line 6)',
    ]);
  });

  it('an empty file declares nothing', async () => {
    expect(await read('')).toEqual({ declared: { providers: [], sites: [], clientTokens: [] } });
  });
});
