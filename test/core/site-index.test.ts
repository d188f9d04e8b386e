// The site index (src/sites/name-index.ts): the same choice as scoring every enabled site with coverage(), kept in
// step with changes made through this daemon, through another replica (NOTIFY), and only while it LISTENs.
import { randomBytes } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowsOf, type Database } from '../../src/db/client.js';
import { sites } from '../../src/db/schema.js';
import { coverage } from '../../src/dns/names.js';
import { CONFIG_CHANNEL } from '../../src/compose/services.js';
import type { ProviderStore } from '../../src/providers/store.js';
import { SiteProviderChooser } from '../../src/sites/chooser.js';
import { SiteIndex } from '../../src/sites/name-index.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** The chooser before the index, kept here as the reference: every enabled site scored, oldest first, strictly better wins. */
async function scan(database: Database, domain: string): Promise<string | null> {
  const rows = await database.db.select().from(sites).where(eq(sites.enabled, true)).orderBy(asc(sites.createdAt), asc(sites.id));
  let best: { score: number; providerId: string } | null = null;
  for (const site of rows) {
    for (const name of site.domainNames) {
      const score = coverage(name, domain);
      if (score >= 0 && (!best || score > best.score)) best = { score, providerId: site.dnsProviderId };
    }
  }
  return best?.providerId ?? null;
}

let hook: WebhookReceiver;
let db: TestDatabase;
let a: TestDaemon;
let b: TestDaemon;
/** Three providers: [0] the default. */
const ids: string[] = [];

beforeAll(async () => {
  hook = await startWebhookReceiver();
  db = await createTestDatabase();
  const env = { DNS01_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  a = await startTestDaemon({ databaseUrl: db.url, env });
  b = await startTestDaemon({ databaseUrl: db.url, env });
  for (const name of ['default', 'one', 'two']) {
    ids.push(await a.addProvider({
      name, provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 }, is_default: name === 'default', settings: { rate_limit_per_minute: 1000 },
    }));
  }
}, 120_000);
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.drop();
  await hook?.stop();
});

const database = () => a.daemon.database;

/** Inserts sites straight into the table (no store, no NOTIFY), `at` seconds after a fixed time so ties in created_at happen. */
async function insertSites(rows: { names: string[]; provider: number; enabled?: boolean; at?: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await database().db.insert(sites).values(rows.map((r) => ({
    domainNames: r.names, dnsProviderId: ids[r.provider]!, enabled: r.enabled ?? true, createdAt: new Date(Date.UTC(2026, 0, 1) + (r.at ?? 0) * 1000),
  })));
}

/** The provider id `d` chose for `name` through the endpoint Caddy calls with no provider id. */
async function choiceOf(d: TestDaemon, name: string): Promise<string> {
  const value = txtValue(`${name}-${randomBytes(4).toString('hex')}`);
  const res = await d.internal('/present', { body: { fqdn: `_acme-challenge.${name}`, value } });
  expect(res.status, await res.clone().text()).toBe(200);
  const [row] = rowsOf<{ provider_id: string }>(await database().db.execute(sql`select provider_id from challenges where value = ${value}`));
  return row!.provider_id;
}

describe('the index chooses as the scan did', () => {
  beforeEach(async () => {
    await database().db.delete(sites);
  });

  it.each([
    ['the exact name', 'www.shop.test', 2],
    ['a name under the wildcard', 'api.shop.test', 1],
    ['a deeper name under the wildcard', 'a.b.c.shop.test', 1],
    ['the wildcard\'s apex', 'shop.test', 1],
    ['the deeper wildcard', 'x.eu.shop.test', 2],
    ['the deeper wildcard\'s apex, over the shallower one', 'eu.shop.test', 2],
    ['an exact apex over a wildcard above it', 'exact.eu.shop.test', 1],
    ['only the disabled site\'s name', 'off.test', null],
    ['a name under nothing', 'elsewhere.test', null],
    ['a suffix that is not a label boundary', 'evilshop.test', null],
    ['the older of two sites with the same name', 'tie.test', 1],
    ['the older of two sites with the same wildcard', 'x.tie-wild.test', 2],
  ])('%s (%s)', async (_what, name, provider) => {
    await insertSites([
      { names: ['*.shop.test'], provider: 1, at: 0 },
      { names: ['www.shop.test', '*.eu.shop.test'], provider: 2, at: 1 },
      { names: ['exact.eu.shop.test'], provider: 1, at: 2 },
      { names: ['off.test'], provider: 2, enabled: false, at: 3 },
      { names: ['tie.test'], provider: 2, at: 5 },
      { names: ['tie.test'], provider: 1, at: 4 },
      { names: ['*.tie-wild.test'], provider: 2, at: 6 },
      { names: ['*.tie-wild.test'], provider: 1, at: 6 },
    ]);
    // Same created_at: the lower id wins, in the index as in the ordered scan.
    const index = new SiteIndex(database());
    const expected = provider === null ? null : name === 'x.tie-wild.test' ? await scan(database(), name) : ids[provider]!;
    expect(await scan(database(), name)).toBe(expected);
    expect(await index.providerFor(name)).toBe(expected);
  });

  it('no site: the default provider; no default either: PROVIDER_NOT_FOUND', async () => {
    const index = new SiteIndex(database());
    expect(await new SiteProviderChooser(index, a.daemon.providers).forFqdn('_acme-challenge.nothing.test')).toBe(ids[0]);
    const noDefault = { getDefault: async () => null } as unknown as ProviderStore;
    await expect(new SiteProviderChooser(index, noDefault).forFqdn('_acme-challenge.nothing.test')).rejects.toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
  });

  it('on 30 random site sets, every name asked gets the scan\'s choice', async () => {
    const labels = ['a', 'b', 'c'];
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const randomName = (depth: number) => [...Array.from({ length: depth }, () => pick(labels)), 'test'].join('.');
    for (let round = 0; round < 30; round++) {
      await database().db.delete(sites);
      const set = Array.from({ length: 1 + Math.floor(Math.random() * 12) }, () => ({
        names: Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => (Math.random() < 0.4 ? '*.' : '') + randomName(1 + Math.floor(Math.random() * 3))),
        provider: Math.floor(Math.random() * 3),
        enabled: Math.random() < 0.8,
        at: Math.floor(Math.random() * 3),
      }));
      await insertSites(set);
      const index = new SiteIndex(database());
      index.keep();
      for (let q = 0; q < 25; q++) {
        const name = randomName(Math.floor(Math.random() * 5));
        expect(await index.providerFor(name), `${name} in ${JSON.stringify(set)}`).toBe(await scan(database(), name));
      }
    }
  });
});

describe('what the index keeps', () => {
  beforeEach(async () => {
    await database().db.delete(sites);
  });

  it('nothing before keep(): every lookup reads the table', async () => {
    const index = new SiteIndex(database());
    expect(await index.providerFor('before.test')).toBeNull();
    await insertSites([{ names: ['before.test'], provider: 1 }]);
    expect(await index.providerFor('before.test')).toBe(ids[1]);
  });

  it('after keep(): a row written behind its back is unseen until clear() or the max age', async () => {
    let now = 1_000_000;
    const index = new SiteIndex(database(), 30_000, () => now);
    index.keep();
    expect(await index.providerFor('kept.test')).toBeNull();
    await insertSites([{ names: ['kept.test'], provider: 1 }]);
    expect(await index.providerFor('kept.test')).toBeNull();
    index.clear();
    expect(await index.providerFor('kept.test')).toBe(ids[1]);
    await insertSites([{ names: ['aged.test'], provider: 2 }]);
    now += 29_999;
    expect(await index.providerFor('aged.test')).toBeNull();
    now += 1;
    expect(await index.providerFor('aged.test')).toBe(ids[2]);
  });

  it('a read under way when cleared is not kept', async () => {
    const index = new SiteIndex(database());
    index.keep();
    const early = index.providerFor('race.test');
    index.clear();
    await insertSites([{ names: ['race.test'], provider: 1 }]);
    await early;
    expect(await index.providerFor('race.test')).toBe(ids[1]);
  });
});

describe('kept in step', () => {
  beforeAll(async () => {
    await database().db.delete(sites);
  });

  it('a site added, changed, disabled and deleted through another replica reaches this one\'s choice', async () => {
    // Through the daemon's own index: `a` must have it kept (its LISTEN up) for this to say anything.
    expect(await choiceOf(a, 'www.replica.test')).toBe(ids[0]);
    const site = await b.api.sites.create({ domain_names: ['*.replica.test'], dns_provider_id: ids[1] });
    await eventually(async () => (await choiceOf(a, 'www.replica.test')) === ids[1]);
    await b.api.sites.update(site.id, { dns_provider_id: ids[2] });
    await eventually(async () => (await choiceOf(a, 'www.replica.test')) === ids[2]);
    await b.api.sites.update(site.id, { enabled: false });
    await eventually(async () => (await choiceOf(a, 'www.replica.test')) === ids[0]);
    await b.api.sites.update(site.id, { enabled: true });
    await eventually(async () => (await choiceOf(a, 'www.replica.test')) === ids[2]);
    await b.api.sites.remove(site.id);
    await eventually(async () => (await choiceOf(a, 'www.replica.test')) === ids[0]);
  });

  it('is kept until a notice: a row written without one is unseen, then seen after NOTIFY', async () => {
    // Kept once the LISTEN is up: a row written behind the index's back stays unseen until the channel says so.
    await eventually(async () => {
      await choiceOf(a, 'warm.quiet.test');
      const name = `n${randomBytes(4).toString('hex')}.quiet.test`;
      await insertSites([{ names: [name], provider: 1 }]);
      return (await choiceOf(a, name)) === ids[0];
    });
    const name = `late${randomBytes(4).toString('hex')}.quiet.test`;
    await insertSites([{ names: [name], provider: 2 }]);
    expect(await choiceOf(a, name)).toBe(ids[0]);
    await database().notify(CONFIG_CHANNEL, 'sites');
    await eventually(async () => (await choiceOf(a, name)) === ids[2]);
  });

  it('a change through this daemon is seen by its next request, without waiting for the notice', async () => {
    const site = await a.api.sites.create({ domain_names: ['now.test'], dns_provider_id: ids[1] });
    expect(await choiceOf(a, 'now.test')).toBe(ids[1]);
    await a.api.sites.update(site.id, { enabled: false });
    expect(await choiceOf(a, 'now.test')).toBe(ids[0]);
  });
});

describe('embedded PGlite', () => {
  it('chooses by site and follows changes', async () => {
    const p = await startTestDaemon({ db: 'pglite' });
    try {
      const [fallback, other] = [
        await p.addProvider({ name: 'default', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 }, is_default: true }),
        await p.addProvider({ name: 'other', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } }),
      ];
      const chosen = async (name: string) => {
        const value = txtValue(name);
        expect((await p.internal('/present', { body: { fqdn: `_acme-challenge.${name}`, value } })).status).toBe(200);
        const [row] = rowsOf<{ provider_id: string }>(await p.daemon.database.db.execute(sql`select provider_id from challenges where value = ${value}`));
        return row!.provider_id;
      };
      expect(await chosen('www.lite.test')).toBe(fallback);
      const site = await p.api.sites.create({ domain_names: ['*.lite.test'], dns_provider_id: other });
      expect(await chosen('api.lite.test')).toBe(other);
      await p.api.sites.update(site.id, { enabled: false });
      expect(await chosen('app.lite.test')).toBe(fallback);
    } finally {
      await p.stop();
    }
  }, 120_000);
});

async function eventually(check: () => Promise<boolean>, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('never happened');
    await new Promise((r) => setTimeout(r, 50));
  }
}
