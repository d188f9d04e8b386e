// Generates the internal token, admin token and encryption key once into the data dir (mode 0600) when not configured.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';

function readOrCreate(dir: string, name: string, make: () => string, log: Logger): string {
  const path = resolve(join(dir, name));
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = make();
  // 'wx' fails if another process created it meanwhile; then we read theirs, so one value wins.
  try {
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    log.info({ path }, `generated ${name}; the value is in that file`);
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(path, 'utf8').trim();
  }
}

/** Where the admin token is kept when the environment does not set it (the start-up log and the CLI name it). */
export function adminTokenFile(config: Config): string | undefined {
  return config.adminToken === undefined ? resolve(join(config.dataDir, ADMIN_TOKEN)) : undefined;
}

const ADMIN_TOKEN = 'admin-token';

/** Fills in any secret the environment left unset, from (or into) files in the data dir. */
export function withGeneratedSecrets(config: Config, log: Logger): Config {
  const token = () => randomBytes(32).toString('base64url');
  return {
    ...config,
    internalToken: config.internalToken ?? readOrCreate(config.dataDir, 'internal-token', token, log),
    adminToken: config.adminToken ?? readOrCreate(config.dataDir, ADMIN_TOKEN, token, log),
    encryptionKey: config.encryptionKey ?? readOrCreate(config.dataDir, 'encryption-key', () => randomBytes(32).toString('base64'), log),
  };
}
