// AES-256-GCM encryption of provider credentials at rest, with key versions for online rotation.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

export interface Sealed {
  ciphertext: string;
  keyVersion: string;
}

interface Key {
  version: string;
  /** The variable it came from, shown beside the fingerprint (status API, logs). */
  slot: string;
  bytes: Buffer;
}

function decodeKey(name: string, b64: string): Key {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64').replace(/=+$/, '') !== b64.trim().replace(/=+$/, '')) {
    throw new Error(`${name}: expected 32 bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  // The version is a fingerprint, so renaming variables during a rotation cannot mislabel a key.
  return { version: `k${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`, slot: name, bytes };
}

export class Keyring {
  private readonly byVersion = new Map<string, Key>();
  /** The key new ciphertexts are written with: `_NEXT` during a rotation, else the current key. */
  readonly writeKey: Key;

  constructor(current: string, opts: { next?: string; old?: string[] } = {}) {
    const cur = decodeKey('DNS01_ENCRYPTION_KEY', current);
    const next = opts.next ? decodeKey('DNS01_ENCRYPTION_KEY_NEXT', opts.next) : undefined;
    const old = (opts.old ?? []).map((k, i) => decodeKey(`DNS01_ENCRYPTION_KEY_V${i + 1}`, k));
    // First slot wins when one key is set twice (as current and as _V1 mid-runbook).
    for (const k of [...(next ? [next] : []), cur, ...old]) if (!this.byVersion.has(k.version)) this.byVersion.set(k.version, k);
    this.writeKey = next ?? cur;
  }

  /** Every configured key, write key first: fingerprint and the variable it came from. */
  get keys(): { version: string; slot: string }[] {
    return [...this.byVersion.values()].map((k) => ({ version: k.version, slot: k.slot }));
  }

  has(version: string): boolean {
    return this.byVersion.has(version);
  }

  get writeVersion(): string {
    return this.writeKey.version;
  }

  /** `aad` binds the ciphertext to its row, so a ciphertext copied onto another row does not decrypt. */
  seal(plaintext: string, aad: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.writeKey.bytes, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyVersion: this.writeKey.version };
  }

  open(sealed: Sealed, aad: string): string {
    const key = this.byVersion.get(sealed.keyVersion);
    if (!key) {
      throw new AppError('CREDENTIALS_UNREADABLE', `credentials were encrypted with key ${sealed.keyVersion}, which is not configured`);
    }
    try {
      const raw = Buffer.from(sealed.ciphertext, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new AppError('CREDENTIALS_UNREADABLE', `credentials did not decrypt with key ${sealed.keyVersion}`);
    }
  }
}
