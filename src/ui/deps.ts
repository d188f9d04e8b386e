// What the operator console is given (compose/routes.ts hands it the daemon's services) and what its views share.
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/listing.js';
import type { CaddySync } from '../caddy/sync.js';
import type { CaddyDeps } from '../caddy/wiring.js';
import type { PluginCalls } from '../calls/plugin-calls.js';
import type { ClientTokenStore } from '../clients/tokens.js';
import type { ChallengeListing } from '../challenges/listing.js';
import type { ManualChallenges } from '../challenges/manual.js';
import type { Resolvers } from '../challenges/resolvers.js';
import type { Keyring } from '../crypto/keyring.js';
import type { KeyRotation } from '../crypto/rotation.js';
import type { Detector } from '../detect/detector.js';
import type { LoginGuard } from '../http/login-guard.js';
import type { OpsDeps } from '../http/ops.js';
import type { PluginLoader } from '../plugin-loader/loader.js';
import type { ProviderStore } from '../providers/store.js';
import type { SiteStore } from '../sites/store.js';
import type { UiSessions } from './session.js';

/** The services the console reads and changes: the same ones the admin API's routes call, never the API over the network. */
export interface UiDeps {
  log: Logger;
  adminToken: string;
  /** The admin token's guard, the one /api/v1 uses too: a guesser gets no second allowance here. */
  adminLogins: LoginGuard;
  uiSessions: UiSessions;
  ops: OpsDeps;
  manual: ManualChallenges;
  listing: ChallengeListing;
  auditLog: AuditLog;
  providers: ProviderStore;
  calls: PluginCalls;
  resolvers: Resolvers;
  sites: SiteStore;
  clientTokens: ClientTokenStore;
  /** Guesses a domain's provider type from its zone's nameservers ("add a provider for this domain"). */
  detector: Detector;
  caddy: CaddyDeps;
  caddySync: CaddySync | null;
  /** Loads plugin modules; null when DNS01_PLUGINS_DIR is unset. */
  loader: PluginLoader | null;
  /** Encryption at rest: the keys, and the rotation that re-encrypts rows under the write key. */
  keyring: Keyring;
  rotation: KeyRotation;
}

/** Set by the session check for every view: the session's id and its forms' CSRF token. */
export type UiEnv = { Variables: { session: string; csrf: string } };
export type UiContext = Context<UiEnv>;

/** A row id in a console path; anything else is answered "not found" before any query. */
export const ROW_ID = /^[0-9a-f-]{36}$/;
