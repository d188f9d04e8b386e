// Lints the Dockerfile (dockerfile-utils, every rule as an error) and checks what the
// images promise: pinned bases, non-root, read-only friendly, healthcheck, the caddy target.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedPlugins } from '../../src/plugins/index.js';
import { fieldsOf } from '../../src/calls/field-specs.js';
import { devDependency, repoRoot } from './support.js';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

interface Instruction { keyword: string; args: string; line: number }
interface Stage { name: string; from: string; body: Instruction[] }

/** Instructions with continuation lines joined and comments dropped (default escape "\"). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, ' ');
      i++;
      if (/^\s*#/.test(lines[i]!)) { line += ' \\'; continue; }
      line += lines[i]!;
    }
    const m = /^\s*(\w+)\s*(.*)$/.exec(line);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ').trim(), line: start + 1 });
  }
  return out;
}

const all = instructions(dockerfile);
const globalArgs = new Map<string, string>();
const stages: Stage[] = [];
for (const ins of all) {
  if (ins.keyword === 'FROM') {
    const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args.replace(/--platform=\S+\s+/, ''));
    stages.push({ from: m![1]!, name: m![2] ?? String(stages.length), body: [] });
  } else if (stages.length === 0 && ins.keyword === 'ARG') {
    const [k, v = ''] = ins.args.split('=');
    globalArgs.set(k!, v);
  } else if (stages.length > 0) {
    stages.at(-1)!.body.push(ins);
  }
}
const stage = (name: string) => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage named ${name}`);
  return s;
};
const find = (s: Stage, keyword: string) => s.body.filter((i) => i.keyword === keyword);
/** The build args naming a caddy-dns module, by the type (module name) they provide. */
function caddyModulePins(): Map<string, { arg: string; module: string; version: string }> {
  const out = new Map<string, { arg: string; module: string; version: string }>();
  for (const ins of find(stage('caddy-build'), 'ARG')) {
    const m = /^(CADDY_DNS_\w+)=(github\.com\/caddy-dns\/[\w.-]+(?:\/v\d+)?)@(\S+)$/.exec(ins.args);
    if (m) out.set(m[2]!.split('/')[2]!, { arg: m[1]!, module: m[2]!, version: m[3]! });
  }
  return out;
}

/**
 * Every `dns.providers.*` module the daemon can write: each native type from the plugin catalogue, acmeproxy
 * (every proxied type) and rfc2136 (its native mode, src/caddy/dns-module.ts).
 */
const nativeTypes = shippedPlugins.filter((p) => !p.present);
const moduleTypes = ['acmeproxy', 'rfc2136', ...nativeTypes.map((p) => p.metadata.type)];

const resolve = (image: string) => image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs.get(a ?? b) ?? '');

describe('Dockerfile lint', () => {
  it('has no problem reported by dockerfile-utils with every rule as an error', async () => {
    const utils = await devDependency<typeof import('dockerfile-utils')>('dockerfile-utils');
    const E = utils.ValidationSeverity.ERROR;
    const diagnostics = utils.validate(dockerfile, {
      deprecatedMaintainer: E,
      directiveCasing: E,
      emptyContinuationLine: E,
      instructionCasing: E,
      instructionCmdMultiple: E,
      instructionEntrypointMultiple: E,
      instructionHealthcheckMultiple: E,
      instructionJSONInSingleQuotes: E,
      instructionWorkdirRelative: E,
    });
    const report = diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(report).toEqual([]);
  });

  it('the linter does report a broken Dockerfile (the check is live)', async () => {
    const utils = await devDependency<typeof import('dockerfile-utils')>('dockerfile-utils');
    const diagnostics = utils.validate('FROM node:24 AS a\nFROM node:24 AS a\nEXPOSE 80/tcpx\nHEALTHCHECK --interval=5 CMD true\n');
    expect(diagnostics.length).toBeGreaterThanOrEqual(3);
  });
});

describe('Dockerfile images', () => {
  it('pins every base image by tag (Node 24, Caddy 2), never latest', () => {
    expect(globalArgs.get('NODE_VERSION')).toMatch(/^24\.\d+\.\d+$/);
    expect(globalArgs.get('CADDY_VERSION')).toMatch(/^2\.\d+\.\d+$/);
    const stageNames = new Set(stages.map((s) => s.name));
    for (const s of stages) {
      if (stageNames.has(s.from)) continue;
      const image = resolve(s.from);
      expect(image, `stage ${s.name}`).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(image, `stage ${s.name}`).not.toMatch(/:latest$/);
    }
    expect(resolve(stage('runtime').from)).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(resolve(stage('caddy-build').from)).toMatch(/^caddy:2\.\d+\.\d+-builder$/);
    expect(resolve(stage('caddy').from)).toMatch(/^caddy:2\.\d+\.\d+$/);
  });

  it('builds with npm ci and tsc, ships production dependencies only', () => {
    const build = stage('build').body.map((i) => i.args).join('\n');
    expect(build).toMatch(/npm ci\b/);
    expect(build).toContain('npm run build');
    const deps = find(stage('deps'), 'RUN').map((i) => i.args).join('\n');
    expect(deps).toContain('npm ci --omit=dev');
    const copies = find(stage('runtime'), 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(copies).toContain('drizzle ./drizzle');
    expect(find(stage('runtime'), 'RUN').map((i) => i.args).join('\n')).not.toMatch(/npm (ci|install)/);
  });

  it('makes the runtime stage the default target, non-root, /data a volume, port 8053', () => {
    expect(stages.at(-1)!.name).toBe('runtime');
    const rt = stage('runtime');
    expect(find(rt, 'USER').at(-1)?.args).toBe('10001:10001');
    expect(find(rt, 'VOLUME').map((i) => i.args)).toContain('["/data"]');
    expect(find(rt, 'ENV').map((i) => i.args).join(' ')).toMatch(/DNS01_DATA_DIR=\/data\b/);
    expect(find(rt, 'EXPOSE').map((i) => i.args)).toContain('8053');
    expect(find(rt, 'CMD').at(-1)?.args).toBe('["node", "--max-semi-space-size=2", "--heap-growing-percent=20", "--liftoff-only", "dist/main.js"]');
  });

  it('gives `npm start` the same V8 flags on node\'s command line, so npm starts the daemon itself and no launcher child', () => {
    const cmd = JSON.parse(find(stage('runtime'), 'CMD').at(-1)!.args) as string[];
    const flags = cmd.filter((a) => a.startsWith('--'));
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(['node', ...flags, 'bin/dns01-proxy.mjs'].join(' '));
  });

  it('checks health with node (no curl in the slim image) on /health', () => {
    const hc = find(stage('runtime'), 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/CMD \["node", "\/app\/healthcheck\.mjs", "\/health"\]$/);
    expect(find(stage('runtime'), 'COPY').map((i) => i.args)).toContain('deploy/healthcheck.mjs ./healthcheck.mjs');
    expect(existsSync(join(repoRoot, 'deploy/healthcheck.mjs'))).toBe(true);
  });

  it('builds the pinned Caddy with a pinned caddy-dns module for every type the daemon offers, running as uid 10001', () => {
    const run = find(stage('caddy-build'), 'RUN').map((i) => i.args).join('\n');
    expect(run).toContain('xcaddy build "v${CADDY_VERSION}"');
    expect(run).toContain('[ "$(/usr/bin/caddy version | cut -d\' \' -f1)" = "v${CADDY_VERSION}" ]');
    const pins = caddyModulePins();
    for (const type of moduleTypes) {
      const pin = pins.get(type);
      expect(pin, `a CADDY_DNS_${type.toUpperCase()} build arg`).toBeDefined();
      // A tag or a full commit: "latest", a branch or no version at all would float.
      expect(pin!.version, type).toMatch(/^(v\d+\.\d+\.\d+(-[\w.-]+)?|[0-9a-f]{40})$/);
      expect(pin!.module, type).toMatch(new RegExp(`^github\\.com/caddy-dns/${type}(/v\\d+)?$`));
      expect(run).toContain(`--with "\${${pin!.arg}}"`);
      expect(run).toMatch(new RegExp(`for m in [^;]*\\b${type}\\b[^;]*; do`));
    }
    expect(run).toContain('grep -qx "dns.providers.$m"');
    expect(find(stage('caddy'), 'USER').at(-1)?.args).toBe('10001:10001');
  });

  it('documents each pin, and every field a native type writes is one its pinned module has', () => {
    const doc = readFileSync(join(repoRoot, 'docs/deployment.md'), 'utf8');
    const rows = new Map<string, { pin: string; fields: string[] }>();
    for (const line of doc.split('\n')) {
      const m = /^\| [^|]+ \| `CADDY_DNS_(\w+)` \| `([^`]+)` \| [^|]+ \| ([^|]+) \|/.exec(line);
      if (m) rows.set(m[1]!.toLowerCase(), { pin: m[2]!, fields: [...m[3]!.matchAll(/`(\w+)`/g)].map((f) => f[1]!) });
    }
    const pins = caddyModulePins();
    for (const type of moduleTypes) {
      const row = rows.get(type);
      expect(row, `docs/deployment.md row for ${type}`).toBeDefined();
      const { module, version } = pins.get(type)!;
      const [docModule, docVersion] = row!.pin.split('@');
      expect(docModule).toBe(module);
      expect(version.startsWith(docVersion!), `${type}: docs say ${docVersion}, Dockerfile ${version}`).toBe(true);
    }
    for (const plugin of nativeTypes) {
      const type = plugin.metadata.type;
      // Every credential field set, so every optional field the type can write shows up.
      const written = plugin.caddyConfig!(Object.fromEntries(fieldsOf(plugin).map((f) => [f.name, 'set'])) as never, {})!;
      expect(written.name).toBe(type);
      const extra = Object.keys(written).filter((k) => k !== 'name' && !rows.get(type)!.fields.includes(k));
      expect(extra, `${type} writes fields its pinned module lacks`).toEqual([]);
    }
  });

  it('lets every COPY source through .dockerignore', () => {
    const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = stages.flatMap((s) => find(s, 'COPY'))
      .filter((c) => !c.args.startsWith('--from'))
      .flatMap((c) => c.args.split(' ').filter((a) => !a.startsWith('--')).slice(0, -1));
    for (const src of sources) {
      expect(allowed.some((a) => src.replace(/\/$/, '') === a), `COPY ${src}`).toBe(true);
    }
  });
});
