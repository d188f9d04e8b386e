// Conformance of one provider plugin called directly (no daemon), the way cert-manager's suite calls a solver.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsOf } from '../../src/calls/field-specs.js';
import type { AnyProviderPlugin, PluginContext, RecordRequest } from '../../src/plugin-api/index.js';
import { shapeProblems } from '../../src/plugin-loader/shape.js';
import { txtValue } from '../support/daemon.js';

export interface DirectSetup {
  /** The plugin object as the daemon would hold it (a loaded module's factory already called). */
  plugin: AnyProviderPlugin;
  /** Credentials as an operator would enter them; parsed with the plugin's own schema. */
  credentials: Record<string, unknown>;
  /** The same with a secret the far side must refuse. */
  wrongCredentials: Record<string, unknown>;
  /** A zone the plugin may write to; each case uses its own name below it. */
  zone: string;
  /** The TXT values at `name`, read straight from the authoritative server. */
  readTxt(name: string): Promise<string[]>;
  /** Writes a TXT value at `name` without the plugin, as another tool or an operator would. */
  addForeignRecord(name: string, value: string): Promise<void>;
  teardown(): Promise<void>;
}

export function runPluginConformance(name: string, setup: () => Promise<DirectSetup>): void {
  describe(`plugin conformance (direct): ${name}`, () => {
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const logLines: string[] = [];
    const log = pino({ level: 'trace' }, new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }));
    const settings = { allowPrivateWebhooks: true, scriptsDir: '/nonexistent' };
    let s: DirectSetup;
    let p: AnyProviderPlugin;
    let creds: unknown;
    const ctx = (signal = new AbortController().signal): PluginContext => ({ log, settings, signal });
    const nameFor = (kase: string) => `_acme-challenge.${kase}-${slug}.${s.zone}`;
    /** What the daemon hands over: the zone it found (as it now always does when it can), the default TTL. */
    const req = (fqdn: string, value: string): RecordRequest => ({
      challengeId: `direct-${value.slice(0, 8)}`, fqdn, domain: fqdn.replace(/^_acme-challenge\./, ''), zone: s.zone, value, ttl: p.defaults.ttl,
    });
    // The daemon never runs two calls for one name at once (SolverPlugin in src/plugin-api): nor does this harness.
    const queues = new Map<string, Promise<unknown>>();
    const oneAtATime = <T>(fqdn: string, fn: () => Promise<T>): Promise<T> => {
      const run = (queues.get(fqdn) ?? Promise.resolve()).then(fn, fn);
      queues.set(fqdn, run.catch(() => undefined));
      return run;
    };
    const present = (fqdn: string, value: string) => oneAtATime(fqdn, () => p.present!(creds, req(fqdn, value), ctx()));
    const cleanup = (fqdn: string, value: string) => oneAtATime(fqdn, () => p.cleanup!(creds, req(fqdn, value), ctx()));
    const secrets = (c: Record<string, unknown>) =>
      fieldsOf(p).filter((f) => f.secret).map((f) => c[f.name]).filter((v): v is string => typeof v === 'string' && v.length > 0);

    beforeAll(async () => {
      s = await setup();
      p = s.plugin;
      creds = p.credentials.parse(s.credentials);
      await p.init?.({ log, settings, signal: AbortSignal.timeout(30_000) });
    });
    afterAll(async () => {
      await p?.close?.();
      await s?.teardown();
    });

    it('is a valid plugin: metadata, schema, defaults, and present with cleanup', () => {
      expect(shapeProblems(p)).toEqual([]);
      expect(typeof p.present).toBe('function');
      expect(typeof p.cleanup).toBe('function');
      expect(secrets(s.credentials).length, 'the credentials mark their secret fields').toBeGreaterThan(0);
    });

    it('presents a value the authoritative server serves, and cleans it up', async () => {
      const fqdn = nameFor('present');
      const value = txtValue(`${slug}-present`);
      await present(fqdn, value);
      expect(await s.readTxt(fqdn)).toEqual([value]);
      await cleanup(fqdn, value);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('presenting the same value twice leaves it once', async () => {
      const fqdn = nameFor('twice');
      const value = txtValue(`${slug}-twice`);
      await present(fqdn, value);
      await present(fqdn, value);
      expect(await s.readTxt(fqdn)).toEqual([value]);
      await cleanup(fqdn, value);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('holds two values on one name at once (wildcard + apex, presented together, one after the other as the daemon runs them); cleanup removes only its own', async () => {
      const fqdn = nameFor('pair');
      const [wildcard, apex] = [txtValue(`${slug}-pair-wildcard`), txtValue(`${slug}-pair-apex`)];
      await Promise.all([present(fqdn, wildcard), present(fqdn, apex)]);
      expect((await s.readTxt(fqdn)).sort()).toEqual([wildcard, apex].sort());
      await cleanup(fqdn, wildcard);
      expect(await s.readTxt(fqdn)).toEqual([apex]);
      await cleanup(fqdn, apex);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('leaves a TXT value it did not create in place through present and cleanup', async () => {
      const fqdn = nameFor('foreign');
      const foreign = `foreign value of ${slug}`;
      const value = txtValue(`${slug}-foreign`);
      await s.addForeignRecord(fqdn, foreign);
      await present(fqdn, value);
      expect((await s.readTxt(fqdn)).sort()).toEqual([foreign, value].sort());
      await cleanup(fqdn, value);
      expect(await s.readTxt(fqdn)).toEqual([foreign]);
    });

    it('cleans up a value that is not there (never presented, or already removed) as a success', async () => {
      const fqdn = nameFor('absent');
      const value = txtValue(`${slug}-absent`);
      await expect(cleanup(fqdn, value)).resolves.toBeUndefined();
      await present(fqdn, value);
      await cleanup(fqdn, value);
      await expect(cleanup(fqdn, value)).resolves.toBeUndefined();
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('test() says ok with good credentials, not ok with a wrong secret, and never repeats the secret', async () => {
      expect(p.test, 'plugins with a far side offer test()').toBeTypeOf('function');
      const good = await p.test!(creds, ctx());
      expect(good.ok, good.message).toBe(true);
      const bad = await p.test!(p.credentials.parse(s.wrongCredentials), ctx());
      expect(bad.ok).toBe(false);
      expect(bad.message.length).toBeGreaterThan(0);
      for (const secret of [...secrets(s.credentials), ...secrets(s.wrongCredentials)]) expect(bad.message).not.toContain(secret);
    });

    it('fails present with a wrong secret, with a message that does not carry it, and writes nothing', async () => {
      const fqdn = nameFor('wrong');
      const value = txtValue(`${slug}-wrong`);
      const err = await p.present!(p.credentials.parse(s.wrongCredentials), req(fqdn, value), ctx()).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      for (const secret of secrets(s.wrongCredentials)) expect((err as Error).message).not.toContain(secret);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('honours the abort signal: an aborted call rejects with its reason and writes nothing', async () => {
      const fqdn = nameFor('abort');
      const value = txtValue(`${slug}-abort`);
      const before = new AbortController();
      before.abort(new Error('given up before the call'));
      await expect(p.present!(creds, req(fqdn, value), ctx(before.signal))).rejects.toBe(before.signal.reason);
      // Aborted while the first request is in flight: the call ends there, nothing after it is sent.
      const during = new AbortController();
      const call = p.present!(creds, req(fqdn, value), ctx(during.signal));
      during.abort(new Error('given up during the call'));
      await expect(call).rejects.toBe(during.signal.reason);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('never logged a secret', () => {
      for (const secret of [...secrets(s.credentials), ...secrets(s.wrongCredentials)]) expect(logLines.join('\n')).not.toContain(secret);
    });
  });
}
