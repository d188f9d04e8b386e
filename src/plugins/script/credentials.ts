// Credential schema of the script provider: which script, how long, which extra env.
import { z } from 'zod';
import { numeric } from '../shared.js';

export const ENV_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Names the daemon sets itself, or that make an interpreter load code or change how the
 * script is read. env_vars come from the admin API, and a provider's owner may only pick
 * a script from scriptsDir; BASH_ENV, PYTHONPATH, LD_PRELOAD and friends would let them
 * run any readable file instead. LIBMOUNT_/LIBBLKID_ steer util-linux's unshare, which may run as root
 * before it drops to the script's user.
 */
const RESERVED_NAMES = new Set([
  'PATH', 'HOME', 'LANG', 'LANGUAGE', 'NODE_OPTIONS', 'BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS',
  'IFS', 'PS4', 'CDPATH', 'GLOBIGNORE', 'GCONV_PATH', 'HOSTALIASES', 'LOCALDOMAIN', 'RES_OPTIONS',
  'SHELL', 'TMPDIR', 'PWD', 'OLDPWD',
  // The facts the daemon passes; DNS_ZONE too, which it sets only when known, so a script never sees a forged zone.
  // Other DNS_ names are the operator's (a script may want DNS_SERVER, say).
  'DNS_ACTION', 'DNS_FQDN', 'DNS_DOMAIN', 'DNS_VALUE', 'DNS_TTL', 'DNS_CHALLENGE_ID', 'DNS_ZONE',
]);
const RESERVED_PREFIXES = ['LD_', 'LIBMOUNT_', 'LIBBLKID_', 'LC_', 'NODE_', 'PYTHON', 'PERL', 'RUBY', 'MALLOC_', 'GLIBC_', 'BASH_FUNC_'];

/** Why `name` cannot be an env_vars key, or null when it can. The name is not a secret; its value is. */
export function envNameProblem(name: string): string | null {
  if (!ENV_NAME_RE.test(name) || name.length > 128) return `env_vars name '${name.slice(0, 128)}' must match ${ENV_NAME_RE.source}`;
  if (RESERVED_NAMES.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) {
    return `env_vars name '${name}' is reserved (set by the daemon, or changes how interpreters load code)`;
  }
  return null;
}

const noNul = (s: string) => !s.includes('\0');

/**
 * The string form, "K=V,K2=V2" (a value may not hold a comma; use the map form for that). A piece without
 * `=` is refused by its position: it may be a stray value, which must not appear in the error.
 */
function parseEnvList(list: string, ctx: z.RefinementCtx): Record<string, string> {
  const out: Record<string, string> = {};
  list.split(',').forEach((piece, i) => {
    if (piece.trim() === '') return;
    const eq = piece.indexOf('=');
    if (eq < 0) ctx.addIssue({ code: 'custom', message: `env_vars piece ${i + 1} is not NAME=VALUE` });
    else out[piece.slice(0, eq).trim()] = piece.slice(eq + 1);
  });
  return out;
}

export const scriptCredentials = z.object({
  script_path: z.string().min(1).max(4096).refine(noNul, 'script_path must not contain NUL').meta({
    title: 'Script path', description: 'Absolute, or relative to the scripts directory (DNS01_SCRIPTS_DIR); it must resolve inside it.',
  }),
  timeout_seconds: numeric(z.number().int().min(1).max(600)).prefault(60).meta({ title: 'Timeout (seconds)', description: '1 to 600; on timeout the whole process group is killed.' }),
  working_directory: z.string().min(1).max(4096).refine(noNul, 'working_directory must not contain NUL').optional().meta({
    title: 'Working directory', description: "Absolute, or relative to the scripts directory; it must resolve inside it. Default: the script's own directory.",
  }),
  env_vars: z
    .union([z.record(z.string(), z.string()), z.string().max(65_536).transform(parseEnvList)])
    .pipe(z.record(z.string(), z.string().max(8192).refine(noNul, 'env_vars values must not contain NUL')))
    .prefault({})
    .superRefine((vars, ctx) => {
      const names = Object.keys(vars);
      if (names.length > 64) ctx.addIssue({ code: 'custom', message: 'at most 64 env_vars' });
      for (const name of names) {
        const problem = envNameProblem(name);
        // The issue names the key only; zod issues never carry the value here.
        if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
      }
    })
    .meta({ title: 'Environment variables', description: 'Extra environment for the script, as a map or "K=V,K2=V2"; values are treated as secrets and redacted from its output.' }),
  arg_style: z.enum(['charon', 'lego']).default('charon').meta({
    title: 'Argument style', description: 'charon: create|delete FQDN CHALLENGE_ID VALUE; lego: present|cleanup FQDN. VALUE',
  }),
  /** No network by default (docs/plugins.md#sandbox): a script that calls an API or a name server must ask for it. */
  allow_network: z.boolean().default(false).meta({
    title: 'Allow network access',
    description: 'false: the script runs in a network namespace with no usable interface (where the kernel allows namespaces).',
  }),
});

export type ScriptCredentials = z.output<typeof scriptCredentials>;
