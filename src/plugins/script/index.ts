// The script provider: runs an operator's executable from scriptsDir to add or remove exactly one TXT value.
import { dirname } from 'node:path';
import { AppError, isAppError } from '../../errors.js';
import { builtin } from '../shared.js';
import type { PluginContext, ProviderPlugin, RecordRequest } from '../../plugin-api/index.js';
import { scriptCredentials, type ScriptCredentials } from './credentials.js';
import { tail } from './output.js';
import { resolveScript, resolveWorkingDir, scriptIdentity } from './path.js';
import { findPrlimit, runScript } from './runner.js';

export { scriptCredentials, type ScriptCredentials } from './credentials.js';

/** The only PATH a script sees; the daemon's own PATH (node_modules/.bin, a dev's ~/bin) is not passed on. */
export const SCRIPT_PATH_VAR = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** nobody's home on Debian: nothing there to read, nowhere to write dotfiles. */
export const SCRIPT_HOME = '/nonexistent';
/** Characters of redacted stderr put in the failure log line. */
const STDERR_TAIL_CHARS = 500;
/**
 * Exit statuses by which a script says the far side refused this one request (sysexits.h EX_DATAERR: the name or
 * value is wrong for it; EX_NOPERM: not allowed for this name). They fail the challenge but do not count toward the
 * provider's circuit breaker; every other failure does, since a plain exit 1 may just as well mean "API down".
 */
export const REFUSAL_EXIT_CODES: ReadonlySet<number> = new Set([65, 77]);

export type ScriptAction = 'create' | 'delete';

/** argv after the script path: charon `create|delete FQDN CHALLENGE_ID VALUE`, lego exec `present|cleanup FQDN. VALUE`. */
export function scriptArgs(style: ScriptCredentials['arg_style'], action: ScriptAction, req: RecordRequest): string[] {
  if (style === 'lego') return [action === 'create' ? 'present' : 'cleanup', `${req.fqdn}.`, req.value];
  return [action, req.fqdn, req.challengeId, req.value];
}

/** The script's whole environment: fixed basics, the provider's env_vars, then the DNS_* facts (which win). */
export function scriptEnv(creds: ScriptCredentials, action: ScriptAction, req: RecordRequest): Record<string, string> {
  return {
    ...creds.env_vars,
    PATH: SCRIPT_PATH_VAR,
    HOME: SCRIPT_HOME,
    LANG: 'C.UTF-8',
    DNS_ACTION: action,
    DNS_FQDN: req.fqdn,
    DNS_DOMAIN: req.domain,
    DNS_VALUE: req.value,
    DNS_TTL: String(req.ttl),
    DNS_CHALLENGE_ID: req.challengeId,
    ...(req.zone ? { DNS_ZONE: req.zone } : {}),
  };
}

async function run(creds: ScriptCredentials, req: RecordRequest, ctx: PluginContext, action: ScriptAction): Promise<void> {
  const runAs = scriptIdentity();
  const audit = { event: 'script_run', script: creds.script_path, action, fqdn: req.fqdn, challengeId: req.challengeId };
  let result;
  try {
    // Checked again right before the run: the file may have changed since the provider was saved.
    const script = await resolveScript(creds.script_path, ctx.settings.scriptsDir, runAs);
    audit.script = script;
    const cwd = creds.working_directory ? await resolveWorkingDir(creds.working_directory, ctx.settings.scriptsDir, runAs) : dirname(script);
    result = await runScript({
      script,
      args: scriptArgs(creds.arg_style, action, req),
      env: scriptEnv(creds, action, req),
      cwd,
      timeoutMs: creds.timeout_seconds * 1000,
      runAs,
      secrets: Object.values(creds.env_vars),
      allowNetwork: creds.allow_network,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (err) {
    ctx.log.info({ ...audit, exitCode: null, error: isAppError(err) ? err.code : 'INTERNAL_ERROR' }, 'script not run');
    throw err;
  }
  const { exitCode, signal, timedOut, durationMs } = result;
  ctx.log.debug(
    { event: 'script_output', challengeId: req.challengeId, stdout: result.stdout, stderr: result.stderr, truncated: result.truncated },
    'script output',
  );
  ctx.log.info({ ...audit, exitCode, signal, timedOut, durationMs }, 'script finished');

  if (timedOut) {
    throw new AppError('SCRIPT_TIMEOUT', `script did not finish within ${creds.timeout_seconds} s; its process group was killed`, {
      retryable: true,
      details: { timeoutSeconds: creds.timeout_seconds },
    });
  }
  if (result.aborted) throw new AppError('SCRIPT_FAILED', 'script stopped: the daemon is shutting down', { retryable: true });
  if (exitCode !== 0) {
    // The output stays in the daemon's log: it can hold secrets we cannot recognise (a key read
    // from a file, a token fetched at run time), so the API reply carries only the exit status.
    ctx.log.warn(
      { event: 'script_failed', challengeId: req.challengeId, exitCode, signal, stderrTail: tail(result.stderr, STDERR_TAIL_CHARS) },
      'script failed',
    );
    const how = exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${exitCode}`;
    throw new AppError('SCRIPT_FAILED', `script ${how} (challenge ${req.challengeId}; its stderr is in the daemon log)`, {
      delivery: exitCode !== null && REFUSAL_EXIT_CODES.has(exitCode) ? 'refused' : 'not_sent',
      details: { exitCode, signal },
    });
  }
}

export const scriptPlugin = {
  metadata: builtin('script', 'Script', 'Runs an executable from the scripts directory (DNS01_SCRIPTS_DIR) to add and remove the TXT value.'),
  credentials: scriptCredentials,
  defaults: { propagationTimeout: 120, pollingInterval: 5, ttl: 60 },

  async check(creds, settings) {
    await resolveScript(creds.script_path, settings.scriptsDir);
    if (creds.working_directory) await resolveWorkingDir(creds.working_directory, settings.scriptsDir);
  },

  /** Checks the script could run now, without running it: a test run would change DNS. */
  async test(creds, ctx) {
    try {
      const runAs = scriptIdentity();
      const real = await resolveScript(creds.script_path, ctx.settings.scriptsDir, runAs);
      if (creds.working_directory) await resolveWorkingDir(creds.working_directory, ctx.settings.scriptsDir, runAs);
      findPrlimit();
      return { ok: true, message: `script ${real} is inside the scripts directory and can run as uid ${runAs?.uid ?? process.getuid?.()}` };
    } catch (err) {
      if (isAppError(err)) return { ok: false, message: err.message };
      throw err;
    }
  },

  async present(creds, req, ctx) {
    await run(creds, req, ctx, 'create');
    return { recordId: null };
  },

  async cleanup(creds, req, ctx) {
    await run(creds, req, ctx, 'delete');
  },
} satisfies ProviderPlugin<ScriptCredentials>;

export default scriptPlugin;
