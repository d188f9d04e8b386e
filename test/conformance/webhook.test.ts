// Conformance of the webhook provider: an operator's endpoint that writes into real BIND by signed DNS UPDATE.
import { randomBytes } from 'node:crypto';
import { startBind } from '../support/dns-servers/index.js';
import { startDnsWebhook, updateTxt } from './dns-webhook.js';
import { runConformance } from './suite.js';

const ZONE = 'webhook.test';
const AUTH = `Bearer ${randomBytes(16).toString('hex')}`;

runConformance('webhook into BIND', async () => {
  const key = { name: 'webhook-backend', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
  const bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  const hook = await startDnsWebhook({ server: bind, key, zones: [ZONE], authorization: AUTH });
  // No retries: a 401 is permanent anyway, and a failing case should fail at once.
  const creds = { create_url: hook.url, auth_value: AUTH, max_retries: 0 };
  return {
    server: bind,
    zone: ZONE,
    providerBody: { provider_type: 'webhook', credentials: creds },
    wrongCredentialsBody: { provider_type: 'webhook', credentials: { ...creds, auth_value: 'Bearer not-the-right-token' } },
    expectedWrongCredentialsCode: 'WEBHOOK_FAILED',
    readTxt: (name) => bind.txt(name),
    addForeignRecord: (name, value) => updateTxt(bind, key, ZONE, 'add', name, value),
    teardown: async () => {
      await hook.stop();
      await bind.stop();
    },
  };
});
