// Conformance of the script provider running plugins/scripts/nsupdate.sh against real BIND.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBind, type TestTsigKey } from '../support/dns-servers/index.js';
import { updateTxt } from './dns-webhook.js';
import { runConformance } from './suite.js';

const NSUPDATE_SH = fileURLToPath(new URL('../../plugins/scripts/nsupdate.sh', import.meta.url));
const ZONE = 'script.conformance.test';

/** A BIND-style key file, readable by uid 65534 (the user a root daemon runs scripts as). */
async function keyFile(dir: string, file: string, key: TestTsigKey): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };\n`, { mode: 0o644 });
  return path;
}

runConformance('script nsupdate.sh into BIND', async () => {
  const key = { name: 'script-conformance', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
  const bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  const root = await mkdtemp(join(tmpdir(), 'dns01-conformance-script-'));
  await chmod(root, 0o755); // mkdtemp makes 0700, which uid 65534 cannot traverse
  const scriptsDir = join(root, 'scripts');
  const keysDir = join(root, 'keys');
  await mkdir(scriptsDir, { mode: 0o755 });
  await mkdir(keysDir, { mode: 0o755 });
  await copyFile(NSUPDATE_SH, join(scriptsDir, 'nsupdate.sh'));
  await chmod(join(scriptsDir, 'nsupdate.sh'), 0o755);
  const good = await keyFile(keysDir, 'good.key', key);
  // Same key name and algorithm, another secret: BIND answers BADSIG and nsupdate exits non-zero.
  const wrong = await keyFile(keysDir, 'wrong.key', { ...key, secret: randomBytes(32).toString('base64') });
  const creds = (keyPath: string) => ({
    script_path: 'nsupdate.sh',
    timeout_seconds: 30,
    allow_network: true, // nsupdate talks to BIND on loopback
    env_vars: { NSUPDATE_SERVER: bind.host, NSUPDATE_PORT: String(bind.port), NSUPDATE_ZONE: ZONE, NSUPDATE_KEY: keyPath, NSUPDATE_TIMEOUT: '10' },
  });
  return {
    server: bind,
    zone: ZONE,
    env: { DNS01_SCRIPTS_DIR: scriptsDir },
    providerBody: { provider_type: 'script', credentials: creds(good) },
    wrongCredentialsBody: { provider_type: 'script', credentials: creds(wrong) },
    expectedWrongCredentialsCode: 'SCRIPT_FAILED',
    readTxt: (name) => bind.txt(name),
    addForeignRecord: (name, value) => updateTxt(bind, key, ZONE, 'add', name, value),
    teardown: async () => {
      await bind.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
});
