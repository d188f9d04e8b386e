// The DNS UPDATE door end to end: a client token's TSIG key, nsupdate and certbot through the door into real BIND
// (through an rfc2136 provider), Pebble issuing, and every refusal with its exact rcode and nothing written.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, CLASS, OPCODE_UPDATE_FLAGS, TYPE, encodeName, encodeRr, encodeQuery } from '../../src/dns/packet.js';
import { parseTsig, signMessage, TSIG_ERRORS, type TsigKey } from '../../src/dns/tsig.js';
import { addTxtUpdate, buildUpdate } from '../../src/dns/update.js';
import { challenges } from '../../src/db/schema.js';
import { challengeRows, dnsWebhook, dnsWriter, issuedSans, tsigKey, ZONE } from '../support/acme-rig.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freeDnsPort } from '../support/ports.js';
import { askUdp } from '../support/dns-ask.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { connect } from 'node:net';
import { requireBinary } from '../support/proc.js';
import { signedNsupdate } from '../support/nsupdate.js';
import { runLego } from '../support/lego.js';

const OTHER = 'other.test';
/** A zone whose challenges go through a webhook provider. */
const HOOK = 'hook.test';
const NAME = `_acme-challenge.${ZONE}`;
const bindKey = tsigKey('provider-key');

let bind: RunningDnsServer;
let refusing: WebhookReceiver;
let d: TestDaemon;
let doorPort: number;
let providerId: string;
let key: { name: string; algorithm: 'hmac-sha256'; secret: string };
let tsig: TsigKey;

/** One UDP exchange with the door; the raw reply. */
const ask = (msg: Buffer) => askUdp(doorPort, msg);

const rcodeOf = (reply: Buffer) => reply.readUInt16BE(2) & 0xf;
const tsigErrorOf = (reply: Buffer) => {
  const t = parseTsig(reply);
  if (!t) return null;
  return t.error === 0 ? (t.mac.length > 0 ? 'signed' : 'empty MAC') : (TSIG_ERRORS[t.error] ?? String(t.error));
};

/** nsupdate with `-y` through the door, with the token's key (or another secret). */
const nsupdate = (script: string, secret = key.secret) => signedNsupdate(doorPort, ZONE, { name: key.name, algorithm: 'hmac-sha256', secret }, script);

const rowCount = async () => (await d.daemon.database.db.select({ n: sql<number>`count(*)::int` }).from(challenges))[0]!.n;

beforeAll(async () => {
  bind = await startBind({ zones: [ZONE, OTHER, HOOK], tsigKeys: [bindKey] });
  doorPort = await freeDnsPort();
  d = await startTestDaemon({
    env: {
      DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`,
      DNS01_DNS_AUTH_PORT: String(bind.port),
      DNS01_DNS_UPDATE_LISTEN: `127.0.0.1:${doorPort}`,
    },
  });
  providerId = await d.addProvider({
    name: 'bind', provider_type: 'rfc2136',
    credentials: { nameserver: bind.host, port: bind.port, tsig_key_name: bindKey.name, tsig_key_secret: bindKey.secret, tsig_algorithm: 'hmac-sha256' },
  });
  await d.api.sites.create({ domain_names: [ZONE, `*.${ZONE}`, OTHER], dns_provider_id: providerId });
  // A far side that says no: `fail.example.test` goes through it (the most specific site wins).
  refusing = await startWebhookReceiver();
  refusing.setBehaviour({ kind: 'successFalse', message: 'no such zone here' });
  const refusingId = await d.addProvider({ name: 'refusing', provider_type: 'webhook', credentials: { create_url: refusing.url } });
  await d.api.sites.create({ domain_names: [`fail.${ZONE}`], dns_provider_id: refusingId });
  const created = await d.api.clientTokens.create({ name: 'certbot', allowed_domains: [ZONE, `*.${ZONE}`], tsig_algorithm: 'hmac-sha256' });
  key = created.tsig_key as typeof key;
  tsig = { name: key.name, algorithm: 'hmac-sha256', secret: Buffer.from(key.secret, 'base64') };
}, 120_000);

afterAll(async () => {
  await d?.stop();
  await refusing?.stop();
  await bind?.stop();
}, 60_000);

describe('a client token with a TSIG key', () => {
  it('is shown once, named after the token, 256 random bits, stored sealed', async () => {
    expect(key.name).toBe('certbot.dns01-proxy.');
    expect(key.algorithm).toBe('hmac-sha256');
    expect(Buffer.from(key.secret, 'base64')).toHaveLength(32);
    const stored = JSON.stringify(await d.daemon.database.db.execute(sql`select * from client_tsig_keys`));
    expect(stored).toContain('certbot.dns01-proxy');
    expect(stored).not.toContain(key.secret);
    const listed = JSON.stringify(await d.api.clientTokens.list());
    expect(listed).not.toContain(key.secret);
    // The listing names the key (an operator who lost the first reply can still write the client's config), never its secret.
    const [row] = (await d.api.clientTokens.list()).filter((t) => t.name === 'certbot');
    expect(row!.tsig_key).toEqual({ name: 'certbot.dns01-proxy.', algorithm: 'hmac-sha256' });
  });

  it('refuses an unknown algorithm with 400', async () => {
    const res = await d.admin('/client-tokens', { method: 'POST', body: { name: 'x', allowed_domains: [ZONE], tsig_algorithm: 'hmac-sha224' } });
    expect(res.status).toBe(400);
  });
});

describe('nsupdate through the door', () => {
  it('adds a value (seen in BIND and GET /api/v1/challenges) and deletes it', async () => {
    const v = txtValue('ns-1');
    const add = await nsupdate(`update add ${NAME}. 60 TXT "${v}"`);
    expect(add.code, add.out).toBe(0);
    expect(await bind.txt(NAME)).toContain(v);
    const listed = (await d.api.challenges.list()).challenges.find((c) => c.value === v);
    expect(listed).toMatchObject({ fqdn: NAME, status: 'PENDING' });
    const del = await nsupdate(`update delete ${NAME}. TXT "${v}"`);
    expect(del.code, del.out).toBe(0);
    expect(await bind.txt(NAME)).not.toContain(v);
    expect((await d.api.challenges.get(listed!.id)).status).toBe('DELETED');
  });

  it('a delete of the RRset (class ANY) removes the values this client added, and only those', async () => {
    const mine = [txtValue('ns-2'), txtValue('ns-3')];
    const other = txtValue('ns-other');
    // Another door's value at the same name: the shared internal token over HTTP.
    const res = await d.internal('/create', { method: 'POST', body: { provider_id: providerId, fqdn: NAME, value: other } });
    expect(res.status).toBe(201);
    expect((await nsupdate(mine.map((v) => `update add ${NAME}. 60 TXT "${v}"`).join('\n'))).code).toBe(0);
    expect(await bind.txt(NAME)).toEqual(expect.arrayContaining([...mine, other]));
    const del = await nsupdate(`update delete ${NAME}. TXT`);
    expect(del.code, del.out).toBe(0);
    expect(await bind.txt(NAME)).toEqual([other]);
    await d.internal('/cleanup', { method: 'POST', body: { fqdn: NAME, value: other } });
    expect(await bind.txt(NAME)).toEqual([]);
  });

  it('answers SOA with AA at the apex, NODATA with the SOA below it, REFUSED for other types', async () => {
    const apex = decodeMessage(await ask(encodeQuery(1, ZONE, 'SOA', false)));
    expect(apex.rcode).toBe('NOERROR');
    expect(apex.flag_aa).toBe(true);
    expect(apex.answers?.[0]).toMatchObject({ type: 'SOA', name: ZONE });
    const below = decodeMessage(await ask(encodeQuery(2, NAME, 'SOA', false)));
    expect(below.rcode).toBe('NOERROR');
    expect(below.answers).toEqual([]);
    expect(below.authorities?.[0]).toMatchObject({ type: 'SOA', name: ZONE });
    expect(rcodeOf(await ask(encodeQuery(3, `www.${ZONE}`, 'A', false)))).toBe(5);
  });
});

/** One TCP exchange: a length-prefixed message, the reply without its prefix. */
function askTcp(msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: doorPort, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    s.setTimeout(10_000, () => { s.destroy(); reject(new Error('no TCP reply in 10 s')); });
    s.on('error', reject);
    s.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        s.end();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    const head = Buffer.alloc(2);
    head.writeUInt16BE(msg.length);
    s.write(Buffer.concat([head, msg]));
  });
}

describe('the door, further', () => {
  it('a TXT answer too large for UDP is sent with TC; over TCP in full', async () => {
    const big = `_acme-challenge.big.${ZONE}`;
    const values = Array.from({ length: 15 }, (_, i) => txtValue(`big-${i}`));
    for (const value of values) {
      expect((await d.internal('/create', { method: 'POST', body: { provider_id: providerId, fqdn: big, value } })).status).toBe(201);
    }
    const udp = await ask(encodeQuery(7, big, 'TXT', false));
    expect(udp.length).toBeLessThanOrEqual(512);
    expect(udp.readUInt16BE(2) & 0x0200).toBe(0x0200);
    expect(decodeMessage(udp).answers).toEqual([]);
    const tcp = decodeMessage(await askTcp(encodeQuery(8, big, 'TXT', false)));
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers?.map((a) => String((a as { data: Buffer[] }).data[0])).sort()).toEqual([...values].sort());
    for (const value of values) await d.internal('/cleanup', { method: 'POST', body: { fqdn: big, value } });
  });

  it('one UPDATE is all or nothing: an add the provider refuses undoes the adds before it, SERVFAIL', async () => {
    const [a, b] = [txtValue('aon-a'), txtValue('aon-b')];
    const msg = buildUpdate({ zone: ZONE, updates: [
      { op: 'add', name: NAME, value: a, ttl: 60 }, { op: 'add', name: `_acme-challenge.fail.${ZONE}`, value: b, ttl: 60 },
    ] });
    const reply = await ask(signMessage(msg, tsig).message);
    expect(rcodeOf(reply)).toBe(2);
    expect(await bind.txt(NAME)).toEqual([]);
    const rows = (await d.api.challenges.list()).challenges.filter((c) => c.value === a || c.value === b);
    expect(rows.find((r) => r.value === a)).toMatchObject({ status: 'DELETED', record_state: 'removed' });
    expect(rows.find((r) => r.value === b)?.status).toBe('FAILED');
  });

  it('a revoked token\'s key is unknown at once: NOTAUTH with BADKEY', async () => {
    const made = await d.api.clientTokens.create({ name: 'short-lived', allowed_domains: [ZONE], tsig_algorithm: 'hmac-sha1' });
    const k = made.tsig_key!;
    const short: TsigKey = { name: k.name, algorithm: 'hmac-sha1', secret: Buffer.from(k.secret, 'base64') };
    const probe = () => signMessage(buildUpdate({ zone: ZONE, updates: [{ op: 'delete', name: NAME, value: txtValue('none') }] }), short).message;
    expect(rcodeOf(await ask(probe()))).toBe(0);
    await d.api.clientTokens.revoke(made.client_token.id);
    const reply = await ask(probe());
    expect(rcodeOf(reply)).toBe(9);
    expect(tsigErrorOf(reply)).toBe('BADKEY');
  });

  it('the audit log names the client and the dns dialect', async () => {
    await d.daemon.audit?.flush();
    const rows = await d.daemon.database.db.execute(sql`select actor, details from security_audits where actor = 'client:certbot'`);
    const list = (Array.isArray(rows) ? rows : (rows as unknown as { rows: unknown[] }).rows) as { actor: string; details: { client?: string } }[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.some((r) => r.details.client === 'dns')).toBe(true);
  });
});

describe('refusals: exact rcode, nothing written', () => {
  const v = txtValue('refused');
  const signed = (msg: Buffer, k: TsigKey = tsig, now?: number) => signMessage(msg, k, now === undefined ? {} : { now }).message;
  /** An UPDATE whose one update RR is written by hand. */
  const rawUpdate = (zone: string, rr: Buffer, prereq?: Buffer) => {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(4242, 0);
    head.writeUInt16BE(OPCODE_UPDATE_FLAGS, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(prereq ? 1 : 0, 6);
    head.writeUInt16BE(1, 8);
    return Buffer.concat([head, encodeName(zone), Buffer.from([0, TYPE.SOA, 0, CLASS.IN]), ...(prereq ? [prereq] : []), rr]);
  };
  let before: number;

  beforeAll(async () => {
    before = await rowCount();
  });

  it.each([
    ['unsigned', () => addTxtUpdate(ZONE, NAME, v, 60), 5, null],
    ['unknown key', () => signed(addTxtUpdate(ZONE, NAME, v, 60), { ...tsig, name: 'nobody.dns01-proxy' }), 9, 'BADKEY'],
    ['bad MAC', () => signed(addTxtUpdate(ZONE, NAME, v, 60), { ...tsig, secret: Buffer.alloc(32, 7) }), 9, 'BADSIG'],
    ['stale time', () => signed(addTxtUpdate(ZONE, NAME, v, 60), tsig, Math.floor(Date.now() / 1000) - 3600), 9, 'BADTIME'],
    ['an A record', () => signed(rawUpdate(ZONE, encodeRr(NAME, TYPE.A, CLASS.IN, 60, Buffer.from([127, 0, 0, 1])))), 5, 'signed'],
    ['a name outside the token', () => signed(addTxtUpdate(OTHER, `_acme-challenge.${OTHER}`, v, 60)), 5, 'signed'],
    ['a prerequisite', () => signed(buildUpdate({ zone: ZONE, prerequisites: [{ kind: 'name-in-use', name: NAME }], updates: [{ op: 'add', name: NAME, value: v, ttl: 60 }] })), 5, 'signed'],
    ['a zone mismatch', () => signed(addTxtUpdate(OTHER, NAME, v, 60)), 10, 'signed'],
  ] as const)('%s', async (_label, build, rcode, tsigError) => {
    const reply = await ask(build());
    expect(rcodeOf(reply)).toBe(rcode);
    expect(tsigErrorOf(reply)).toBe(tsigError);
    if (tsigError === 'BADTIME') {
      // RFC 8945 §5.2.3: signed, the server's time in Other Data.
      const t = parseTsig(reply)!;
      expect(t.mac.length).toBe(32);
      expect(t.otherData.length).toBe(6);
    } else if (tsigError === 'signed') expect(parseTsig(reply)!.mac.length).toBe(32);
    else if (tsigError) expect(parseTsig(reply)!.mac.length).toBe(0);
    expect(await bind.txt(NAME)).toEqual([]);
    expect(await bind.txt(`_acme-challenge.${OTHER}`)).toEqual([]);
    expect(await rowCount()).toBe(before);
  });

  it('a malformed message gets FORMERR or nothing, and the door still answers', async () => {
    const garbage = Buffer.from([0, 1, 0x28, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0xc0, 0x0c]);
    const reply = await ask(garbage).catch(() => null);
    if (reply) expect(rcodeOf(reply)).toBe(1);
    expect(decodeMessage(await ask(encodeQuery(5, ZONE, 'SOA', false))).rcode).toBe('NOERROR');
  });

  it('no secret in the logs', () => {
    expect(d.logs()).not.toContain(key.secret);
    expect(d.logs()).not.toContain(bindKey.secret);
  });
});

describe('ACME clients through the door', () => {
  let pebble: Pebble;
  let dir: string;

  beforeAll(async () => {
    pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
    dir = await mkdtemp(join(tmpdir(), 'dns01-certbot-'));
  }, 120_000);

  afterAll(async () => {
    await pebble?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** certbot certonly --dns-rfc2136 through the door for `zone` and `*.zone`; returns the issued chain. */
  async function certbot(zone: string, k: { name: string; secret: string }, algorithm: string): Promise<string> {
    const bin = requireBinary('/usr/bin/certbot', 'certbot');
    const ini = join(dir, `${zone}.ini`);
    await writeFile(ini, [
      'dns_rfc2136_server = 127.0.0.1', `dns_rfc2136_port = ${doorPort}`, `dns_rfc2136_name = ${k.name}`,
      `dns_rfc2136_secret = ${k.secret}`, `dns_rfc2136_algorithm = ${algorithm}`, '',
    ].join('\n'), { mode: 0o600 });
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(bin, [
        'certonly', '--non-interactive', '--agree-tos', '--register-unsafely-without-email', '--server', pebble.directoryUrl,
        '--config-dir', join(dir, 'c'), '--work-dir', join(dir, 'w'), '--logs-dir', join(dir, 'l'),
        '--dns-rfc2136', '--dns-rfc2136-credentials', ini, '--dns-rfc2136-propagation-seconds', '1',
        '--cert-name', zone, '-d', zone, '-d', `*.${zone}`,
      ], { env: { ...process.env, REQUESTS_CA_BUNDLE: pebble.caCertPath }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
      let text = '';
      child.stdout.on('data', (b: Buffer) => { text += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { text += b.toString(); });
      child.on('error', reject);
      child.on('exit', (c) => resolve({ code: c, out: text }));
    });
    expect(code, `${out}\n${d.logs().slice(-4000)}`).toBe(0);
    expect(out).not.toContain(k.secret);
    const pem = await readFile(join(dir, 'c', 'live', zone, 'fullchain.pem'), 'utf8');
    expect((await issuedSans(pem, pebble)).sort()).toEqual([`*.${zone}`, zone].sort());
    expect(new X509Certificate(pem).issuer).toContain('Pebble');
    return pem;
  }

  it(`certbot issues ${ZONE} and *.${ZONE} from Pebble into BIND (rfc2136 provider), every record gone afterwards`, async () => {
    const before = (await challengeRows(d, providerId)).length;
    await certbot(ZONE, key, 'HMAC-SHA256');
    const rows = (await challengeRows(d, providerId)).slice(before);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ fqdn: NAME, status: 'DELETED', recordState: 'removed' });
    expect(await bind.txt(NAME)).toEqual([]);
    expect(d.logs()).not.toContain(key.secret);
  }, 240_000);

  it(`certbot issues ${HOOK} and *.${HOOK} through a webhook provider (its endpoint writes BIND by its own means), hmac-sha512`, async () => {
    const far = dnsWebhook(bind, dnsWriter(bind, bindKey, HOOK));
    const receiver = await startWebhookReceiver({ handler: far.handler });
    try {
      const hookId = await d.addProvider({ name: 'far-hook', provider_type: 'webhook', credentials: { create_url: receiver.url } });
      await d.api.sites.create({ domain_names: [HOOK, `*.${HOOK}`], dns_provider_id: hookId });
      const made = await d.api.clientTokens.create({ name: 'certbot-hook', allowed_domains: [HOOK, `*.${HOOK}`], tsig_algorithm: 'hmac-sha512' });
      const k = made.tsig_key!;
      expect(Buffer.from(k.secret, 'base64')).toHaveLength(64);
      await certbot(HOOK, k, 'HMAC-SHA512');
      const rows = await challengeRows(d, hookId);
      expect(rows).toHaveLength(2);
      for (const r of rows) expect(r).toMatchObject({ fqdn: `_acme-challenge.${HOOK}`, status: 'DELETED', recordState: 'removed' });
      expect(far.created).toHaveLength(2);
      expect([...far.deleted].sort()).toEqual([...far.created].sort());
      expect(await bind.txt(`_acme-challenge.${HOOK}`)).toEqual([]);
      expect(d.logs()).not.toContain(k.secret);
    } finally {
      await receiver.stop();
    }
  }, 240_000);

  it(`lego --dns rfc2136 with RFC2136_NAMESERVER at the door issues ${ZONE} and *.${ZONE}`, async () => {
    const before = (await challengeRows(d, providerId)).length;
    // lego finds the zone by asking the door for the SOA, and sends RemoveRRset + Insert in one UPDATE per value.
    const res = await runLego({
      directoryUrl: pebble.directoryUrl, caCertPath: pebble.caCertPath, email: 'ops@example.test', domains: [ZONE, `*.${ZONE}`],
      dnsResolver: `127.0.0.1:${doorPort}`, provider: 'rfc2136',
      env: {
        RFC2136_NAMESERVER: `127.0.0.1:${doorPort}`, RFC2136_TSIG_KEY: key.name, RFC2136_TSIG_SECRET: key.secret,
        RFC2136_TSIG_ALGORITHM: 'hmac-sha256.',
      },
    });
    expect(res.code, `${res.stdout}\n${res.stderr}\n${d.logs().slice(-4000)}`).toBe(0);
    expect((await issuedSans(res.certPem!, pebble)).sort()).toEqual([`*.${ZONE}`, ZONE].sort());
    const rows = (await challengeRows(d, providerId)).slice(before);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ fqdn: NAME, status: 'DELETED', recordState: 'removed' });
    expect(await bind.txt(NAME)).toEqual([]);
    expect(`${res.stdout}${res.stderr}`).not.toContain(key.secret);
    await rm(res.workDir, { recursive: true, force: true });
  }, 240_000);
});
