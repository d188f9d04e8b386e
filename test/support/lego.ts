// Runs the real lego ACME client (Debian `lego` 4.9, or one built with its acme-dns provider) against Pebble with a DNS-01 provider, returning the issued certificate.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from './proc.js';

export interface LegoOptions {
  directoryUrl: string;
  /** CA of the ACME server's HTTPS listener (Pebble's caCertPath). */
  caCertPath: string;
  email: string;
  domains: string[];
  /** `host:port` lego queries for SOA/zone lookups; never the system resolver, which is off this machine. */
  dnsResolver: string;
  provider: 'httpreq' | 'exec' | 'acme-dns' | 'rfc2136';
  /** Another lego binary (default Debian's /usr/bin/lego), e.g. test/lego/build-lego.sh's with the acme-dns provider. */
  binary?: string;
  /** Provider settings, e.g. HTTPREQ_ENDPOINT or EXEC_PATH; they override the fast-polling defaults. */
  env: Record<string, string>;
  /** Where lego keeps accounts and certificates; a fresh temp dir when omitted. */
  workDir?: string;
  /** Kill lego (and its hooks) after this long; default 120 s. */
  timeoutMs?: number;
  /** Extra arguments for `lego run` (after `run`). */
  runArgs?: string[];
}

/**
 * lego 4.9.1 from Debian's source with its acme-dns provider (Debian's binary has none): test/lego/build-lego.sh.
 * Cached by the hash of the build inputs; a cold build needs apt (deb-src, a few golang-*-dev) and takes about a minute.
 */
export async function buildLegoWithAcmeDns(): Promise<string> {
  const script = join(import.meta.dirname, '..', 'lego', 'build-lego.sh');
  try {
    const { stdout } = await promisify(execFile)('bash', [script], { timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    return requireBinary(stdout.trim().split('\n').pop() ?? '', 'golang-go (test/lego/build-lego.sh)');
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`building lego with the acme-dns provider failed (needs apt with a deb-src entry): ${err.message}\n${(err.stderr ?? '').slice(-4000)}`);
  }
}

export interface LegoResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The leaf certificate (and chain, as lego bundles it) when issuance succeeded. */
  certPem?: string;
  workDir: string;
  timedOut: boolean;
}

/** lego's pauses dominate its run time; shorten them for the chosen provider. */
function pacingEnv(provider: LegoOptions['provider']): Record<string, string> {
  const prefix = provider.toUpperCase().replace(/-/g, '_');
  return {
    [`${prefix}_POLLING_INTERVAL`]: '1',
    [`${prefix}_SEQUENCE_INTERVAL`]: '1',
    [`${prefix}_PROPAGATION_TIMEOUT`]: '30',
  };
}

async function readCertificate(path: string): Promise<string | undefined> {
  const files = await readdir(join(path, 'certificates')).catch(() => [] as string[]);
  // lego names files after the first domain with `*` as `_`; pick the leaf, not `<domain>.issuer.crt`.
  const leaf = files.find((f) => f.endsWith('.crt') && !f.endsWith('.issuer.crt'));
  return leaf ? readFile(join(path, 'certificates', leaf), 'utf8') : undefined;
}

export async function runLego(opts: LegoOptions): Promise<LegoResult> {
  const bin = requireBinary(opts.binary ?? '/usr/bin/lego', 'lego');
  const workDir = opts.workDir ?? await mkdtemp(join(tmpdir(), 'dns01-lego-'));
  await mkdir(workDir, { recursive: true });
  const legoPath = join(workDir, '.lego');
  const args = [
    '--server', opts.directoryUrl,
    '--email', opts.email,
    '--accept-tos',
    '--path', legoPath,
    '--dns', opts.provider,
    '--dns.resolvers', opts.dnsResolver,
    '--dns.disable-cp',
    ...opts.domains.flatMap((d) => ['--domains', d]),
    'run',
    ...(opts.runArgs ?? []),
  ];
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: workDir,
    LEGO_CA_CERTIFICATES: opts.caCertPath,
    ...pacingEnv(opts.provider),
    ...opts.env,
  };
  // Own process group, so a timeout also kills the exec hook lego may be waiting on.
  const child = spawn(bin, args, { cwd: workDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already exited */ }
  }, opts.timeoutMs ?? 120_000);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', (e) => { stderr += `spawn error: ${e.message}\n`; resolve(null); });
    child.once('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  if (timedOut) stderr += `\nlego killed after ${opts.timeoutMs ?? 120_000} ms\n`;
  const certPem = code === 0 ? await readCertificate(legoPath) : undefined;
  return { code, stdout, stderr, certPem, workDir, timedOut };
}
