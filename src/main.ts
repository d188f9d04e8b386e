// Entry point: read config, generate missing secrets, start the daemon, stop it cleanly on SIGTERM/SIGINT.
import './module-hooks.js';
import { ConfigError, loadConfig } from './config.js';
import type { Daemon } from './daemon.js';
import { createLogger } from './log.js';
import { adminTokenFile, withGeneratedSecrets } from './secrets.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`dns01-proxy: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  // Before anything is written (secrets, the database): a taken port stops here, naming DNS01_PORT.
  const { assertCanListen } = await import('./http/listener.js');
  await assertCanListen(config.host, config.port);
  // Loaded after module-hooks.js has registered: a static import would be resolved before any code runs.
  const { createDaemon } = await import('./daemon.js');

  // Taken from the start: a SIGTERM while start-up waits for the database ends the wait, not the process mid-write.
  const startup = new AbortController();
  let daemon: Daemon | undefined;
  let stopping = false;
  const finish = (d: Daemon) =>
    d.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: draining in-flight requests');
    if (daemon) void finish(daemon);
    else startup.abort();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP re-reads the config file (docs/config-file.md); during start-up it is read anyway, so the signal is not needed.
  process.on('SIGHUP', () => {
    if (daemon && !stopping) void reapply(daemon, log);
    else log.info('SIGHUP ignored: the daemon is starting or stopping');
  });

  try {
    // The build writes the template beside dist/main.js (bin/build-pglite-template.mjs); from src/ there is none.
    // With PostgreSQL the listener opens first, so /health answers and /ready says what start-up waits for.
    const started = await createDaemon(withGeneratedSecrets(config, log), log, {
      pgliteTemplate: new URL('pglite-template.tar.gz', import.meta.url), signal: startup.signal, listenWhileStarting: true,
      adminTokenFile: adminTokenFile(config),
    });
    await started.listen();
    daemon = started;
  } catch (err) {
    if (!startup.signal.aborted) throw err;
    log.info('stopped before start-up finished');
    process.exit(0);
  }
  // The signal came after the wait for the database, which was all it could cut short.
  if (stopping) void finish(daemon);
}

/** SIGHUP: the config file applied again; an invalid one logs every problem and changes nothing, and the daemon serves on. */
async function reapply(daemon: Daemon, log: ReturnType<typeof createLogger>): Promise<void> {
  if (!daemon.declared) {
    log.info('SIGHUP: DNS01_CONFIG is not set; there is no config file to read');
    return;
  }
  try {
    const report = await daemon.declared.apply();
    log.info({ file: report.file, changes: report.changes.length, deferred: report.deferred.length }, `config file applied on SIGHUP: ${report.changes.length} change(s)`);
  } catch (err) {
    const problems = (err as { details?: { problems?: string[] } }).details?.problems ?? [];
    for (const problem of problems) log.error({ problem }, `config file: ${problem}`);
    log.error({ err: (err as Error).message }, `config file not applied on SIGHUP: ${(err as Error).message}`);
  }
}

main().catch((err) => {
  // An invalid config file: one line per problem, each with its path in the file.
  const problems = (err as { details?: { problems?: unknown } }).details?.problems;
  if (Array.isArray(problems)) {
    process.stderr.write(`dns01-proxy: failed to start: ${(err as Error).message}\n${problems.map((p) => `  ${String(p)}\n`).join('')}`);
    process.exit(2);
  }
  // One line, no stack: start-up failures are the operator's to fix (database down, bad key, port taken).
  process.stderr.write(`dns01-proxy: failed to start: ${String((err as Error).message).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
});
