// Who answers and where its doors are: /health, GET / and the start-up log name the same (docs/operations.md).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/** The `service` field a client checks before it sends a token (src/cli/client.ts). */
export const SERVICE = 'dns01-proxy';
export const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** New for every process: two answers with different ids came from two processes (a restart, another replica). */
export const INSTANCE = randomUUID();

/** Where an operator goes next; no secret and nothing from the database (GET / answers it unauthenticated). */
export const DOORS = {
  page: '/ui',
  api_docs: '/api/v1/openapi.json',
  health: '/health',
  cli: 'dns01-proxy providers list',
} as const;

/** The body of a healthy /health, also while start-up waits for the database (http/starting.ts). */
export const healthy = () => ({ status: 'ok' as const, service: SERVICE, version: VERSION, instance: INSTANCE });
