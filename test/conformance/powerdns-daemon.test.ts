// The daemon's conformance suite with the PowerDNS example plugin loaded from a plugin directory (allow-listed by hash), against a real pdns_server.
import { randomBytes } from 'node:crypto';
import { dnsWriter, tsigKey } from '../support/acme-rig.js';
import { startPowerDns } from '../support/dns-servers/index.js';
import { pluginDir, POWERDNS_MODULE } from '../support/plugins.js';
import { runConformance } from './suite.js';

const ZONE = 'pdns-daemon.test';

runConformance('powerdns plugin', async () => {
  const key = tsigKey('pdns-daemon-foreign');
  const apiKey = randomBytes(24).toString('hex');
  const plugins = await pluginDir([POWERDNS_MODULE]);
  const srv = await startPowerDns({ zones: [ZONE], tsigKeys: [key], apiKey }).catch(async (err: unknown) => {
    await plugins.remove();
    throw err;
  });
  const writer = dnsWriter(srv, key, ZONE);
  return {
    server: srv,
    zone: ZONE,
    env: plugins.env,
    providerBody: { provider_type: 'powerdns', credentials: { api_url: srv.apiUrl, api_key: apiKey } },
    wrongCredentialsBody: { provider_type: 'powerdns', credentials: { api_url: srv.apiUrl, api_key: randomBytes(24).toString('hex') } },
    // Plugin errors are not AppErrors: the daemon answers them as PROVIDER_ERROR and keeps their text out of replies.
    expectedWrongCredentialsCode: 'PROVIDER_ERROR',
    readTxt: (name) => srv.txt(name),
    addForeignRecord: (name, value) => writer.add(name, value, 60),
    teardown: async () => {
      await srv.stop();
      await plugins.remove();
    },
  };
});
