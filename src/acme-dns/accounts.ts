// acme-dns accounts: generated credentials (only a scrypt hash kept), allowfrom ranges, and the lookup an update needs.
import { randomBytes, randomInt, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { acmeDnsRegistrations, type AcmeDnsRegistrationRow } from '../db/schema.js';

/** acme-dns's generatePassword alphabet and length; its validKey accepts exactly this shape. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz1234567890-_';
const KEY = /^[A-Za-z0-9_-]{40}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { ...params, maxmem: SCRYPT.maxmem }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export interface NewAccount {
  row: AcmeDnsRegistrationRow;
  /** Shown once, in the registration reply; only its hash is stored. */
  password: string;
}

export class AcmeDnsAccounts {
  /** A real hash to check against when the user is unknown, so a miss takes as long as a wrong password. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly database: Database) {}

  /** `subdomain` is chosen before (a UUID): registration first proves the provider can write there. */
  async create(providerId: string, allowFrom: string[], subdomain: string, clientTokenId: string | null): Promise<NewAccount> {
    const password = Array.from({ length: 40 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const [row] = await this.database.db
      .insert(acmeDnsRegistrations)
      .values({ username: randomUUID(), passwordHash: await hashPassword(password), subdomain, providerId, allowFrom, clientTokenId })
      .returning();
    return { row: row!, password };
  }

  /** The account for X-Api-User / X-Api-Key, or null for a malformed, unknown or wrong pair. */
  async authenticate(user: string | undefined, key: string | undefined): Promise<AcmeDnsRegistrationRow | null> {
    if (!user || !key || !UUID.test(user) || !KEY.test(key)) return null;
    const [row] = await this.database.db.select().from(acmeDnsRegistrations).where(eq(acmeDnsRegistrations.username, user.toLowerCase()));
    if (!row) {
      this.decoy ??= hashPassword(randomBytes(30).toString('base64url'));
      await verifyPassword(key, await this.decoy);
      return null;
    }
    return (await verifyPassword(key, row.passwordHash)) ? row : null;
  }
}
