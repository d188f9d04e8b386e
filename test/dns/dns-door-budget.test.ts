// The DNS door's budgets (docs/dns-update.md): a source over DNS01_DNS_UPDATE_PER_SOURCE messages a minute is REFUSED
// before its message is read; a key over DNS01_DNS_UPDATE_PER_KEY UPDATEs a minute is REFUSED before any provider
// work, and a forged message naming that key does not spend its budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuery } from '../../src/dns/packet.js';
import { signMessage, type TsigKey } from '../../src/dns/tsig.js';
import { buildUpdate } from '../../src/dns/update.js';
import { logLines } from '../support/observe.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { freeDnsPort } from '../support/ports.js';
import { askUdp } from '../support/dns-ask.js';

const ZONE = 'budget.test';
const NAME = `_acme-challenge.www.${ZONE}`;
let d: TestDaemon;
let doorPort: number;
let key: TsigKey;

const ask = (msg: Buffer) => askUdp(doorPort, msg);

const rcodeOf = (reply: Buffer) => reply.readUInt16BE(2) & 0xf;
/** An UPDATE with a prerequisite: refused by the door's own rules, cheaply, before any zone lookup. */
const withPrerequisite = () => buildUpdate({ zone: ZONE, prerequisites: [{ kind: 'name-in-use', name: NAME }], updates: [{ op: 'add', name: NAME, value: txtValue('budget'), ttl: 60 }] });
const whys = () => logLines(d, 'dns door').map((l) => l.why);

beforeAll(async () => {
  doorPort = await freeDnsPort();
  d = await startTestDaemon({ env: { DNS01_DNS_UPDATE_LISTEN: `127.0.0.1:${doorPort}`, DNS01_DNS_UPDATE_PER_SOURCE: '8', DNS01_DNS_UPDATE_PER_KEY: '2' } });
  const made = await d.api.clientTokens.create({ name: 'budget', allowed_domains: [ZONE], tsig_algorithm: 'hmac-sha256' });
  const k = made.tsig_key as { name: string; secret: string };
  key = { name: k.name, algorithm: 'hmac-sha256', secret: Buffer.from(k.secret, 'base64') };
}, 60_000);

afterAll(async () => {
  await d?.stop();
});

describe('the DNS door\'s budgets', () => {
  it('a key over its budget is REFUSED before any work; a forged message with its name spends nothing; then the source runs out', async () => {
    // A forged message naming the key (wrong secret): BADKEY/BADSIG, and the key's budget is untouched.
    const forged = signMessage(withPrerequisite(), { ...key, secret: Buffer.alloc(32, 7) }).message;
    expect(rcodeOf(await ask(forged))).toBe(9);
    for (let i = 0; i < 2; i++) expect(rcodeOf(await ask(signMessage(withPrerequisite(), key).message))).toBe(5);
    expect(whys().slice(-2)).toEqual(['prerequisites', 'prerequisites']);
    expect(rcodeOf(await ask(signMessage(withPrerequisite(), key).message))).toBe(5);
    expect(whys().at(-1)).toBe('key over its budget (DNS01_DNS_UPDATE_PER_KEY)');
    // Four messages so far from 127.0.0.1; four more fit the source's budget of 8, the ninth does not.
    const status = () => {
      const q = encodeQuery(1, ZONE, 'SOA', false);
      q.writeUInt16BE((q.readUInt16BE(2) & ~0x7800) | (2 << 11), 2); // opcode STATUS: NOTIMP, no lookup
      return q;
    };
    for (let i = 0; i < 4; i++) expect(rcodeOf(await ask(status()))).toBe(4);
    expect(rcodeOf(await ask(status()))).toBe(5);
    expect(whys().at(-1)).toBe('source over its budget (DNS01_DNS_UPDATE_PER_SOURCE)');
    // Not even a signed UPDATE of the key gets past the source's budget.
    expect(rcodeOf(await ask(signMessage(withPrerequisite(), key).message))).toBe(5);
    expect(whys().at(-1)).toBe('source over its budget (DNS01_DNS_UPDATE_PER_SOURCE)');
  });
});
