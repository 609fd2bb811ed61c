// Keys and sealing. A random master key (an AES-256-GCM key for everything stored and an HMAC
// key for blob ids) is wrapped by each passphrase through scrypt (one file in keys/ per
// passphrase). Every stored file and blob is sealed: nonce(12) || ciphertext || tag(16), with
// associated data naming what it is, so nothing can be swapped for something else unnoticed.

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  hash,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { AppError } from '../core/errors.ts';

const NONCE = 12;
const TAG = 16;
const OVERHEAD = NONCE + TAG;

export interface MasterKey {
  /** AES-256-GCM key for files and blobs. */
  enc: Buffer;
  /** HMAC-SHA-256 key that makes blob ids unguessable from content alone. */
  id: Buffer;
  /** The same keys as KeyObjects: OpenSSL then skips re-importing the key for every blob (2-5x faster on small blobs). */
  encObj: KeyObject;
  idObj: KeyObject;
}

export function masterKey(enc: Buffer, id: Buffer): MasterKey {
  return { enc, id, encObj: createSecretKey(enc), idObj: createSecretKey(id) };
}

export function newMasterKey(): MasterKey {
  return masterKey(randomBytes(32), randomBytes(32));
}

export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Blob id: HMAC-SHA-256(idKey, SHA-256(content)). Keyed so that someone holding the
 * repository but not a passphrase cannot confirm that it holds a known file; computed over
 * the plain SHA-256 so a small file's id costs one pass (its SHA-256 is also its `hash`).
 */
export function blobIdFromHash(key: MasterKey, contentSha256: Uint8Array): Buffer {
  return createHmac('sha256', key.idObj).update(contentSha256).digest();
}

// Nonces come from the CSPRNG in blocks of 1024: one call instead of one per blob. Each block
// is fresh memory, so a nonce handed out is never overwritten.
let noncePool = Buffer.alloc(0);
let nonceAt = 0;
function nextNonce(): Buffer {
  if (nonceAt + NONCE > noncePool.length) {
    noncePool = randomBytes(NONCE * 1024);
    nonceAt = 0;
  }
  const n = noncePool.subarray(nonceAt, nonceAt + NONCE);
  nonceAt += NONCE;
  return n;
}

/** Sealed bytes as pieces (nonce, ciphertext, tag) to be written back to back: saves a copy. */
export function sealParts(key: Buffer | KeyObject, plain: Uint8Array, aad: Uint8Array): Buffer[] {
  const nonce = nextNonce();
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const body = c.update(plain);
  const fin = c.final();
  return fin.length === 0 ? [nonce, body, c.getAuthTag()] : [nonce, body, fin, c.getAuthTag()];
}

export function seal(key: Buffer | KeyObject, plain: Uint8Array, aad: Uint8Array): Buffer {
  return Buffer.concat(sealParts(key, plain, aad));
}

export function open(key: Buffer | KeyObject, sealed: Uint8Array, aad: Uint8Array, what: string): Buffer {
  if (sealed.length < OVERHEAD) throw new AppError('corrupt', `${what}: too short to be sealed`);
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, NONCE));
  d.setAAD(aad);
  d.setAuthTag(buf.subarray(buf.length - TAG));
  try {
    const body = d.update(buf.subarray(NONCE, buf.length - TAG));
    const fin = d.final(); // GCM has nothing left at the end: the body is returned without a copy
    return fin.length === 0 ? body : Buffer.concat([body, fin]);
  } catch {
    throw new AppError('corrupt', `${what}: authentication failed (damaged or tampered with)`);
  }
}

export const aad = (s: string): Buffer => Buffer.from(s, 'utf8');

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const defaultScrypt: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 },
      (err, key) => {
        if (err) reject(new AppError('internal', `scrypt failed: ${err.message}`, { cause: err }));
        else resolve(key);
      },
    );
  });
}

/** The JSON stored in keys/<sha256>: KDF parameters and the master key sealed by the derived key. */
export interface KeyFile {
  version: 1;
  created: string;
  host: string;
  username: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  data: string;
}

export async function wrapMasterKey(
  master: MasterKey,
  passphrase: string,
  params: ScryptParams,
  meta: { created: string; host: string; username: string },
): Promise<Buffer> {
  const salt = randomBytes(32);
  const kek = await deriveKey(passphrase, salt, params);
  const plain = Buffer.from(JSON.stringify({ enc: master.enc.toString('base64'), id: master.id.toString('base64') }));
  const file: KeyFile = {
    version: 1,
    ...meta,
    kdf: 'scrypt',
    N: params.N,
    r: params.r,
    p: params.p,
    salt: salt.toString('base64'),
    data: seal(kek, plain, aad('ripcord-key')).toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(file, null, 2)}\n`);
}

export function parseKeyFile(bytes: Buffer, where: string): KeyFile {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AppError('corrupt', 'key file is not JSON', { where });
  }
  const k = v as Partial<KeyFile>;
  if (
    k.version !== 1 ||
    k.kdf !== 'scrypt' ||
    typeof k.salt !== 'string' ||
    typeof k.data !== 'string' ||
    typeof k.N !== 'number' ||
    typeof k.r !== 'number' ||
    typeof k.p !== 'number'
  ) {
    throw new AppError('corrupt', 'key file has an unknown layout', { where });
  }
  if (k.N > 2 ** 22 || k.r > 32 || k.p > 16)
    throw new AppError('corrupt', 'key file asks for an unreasonable scrypt cost', { where });
  return k as KeyFile;
}

/**
 * Key derivations started before the repository is opened (see app/key-warmup.ts), by a hash
 * of passphrase, salt and cost: scrypt runs on the thread pool while the main thread still
 * loads the command's modules. Each is taken once.
 */
const early = new Map<string, Promise<Buffer>>();
const earlyKey = (passphrase: string, file: KeyFile): string =>
  sha256Hex(Buffer.from(JSON.stringify([passphrase.normalize('NFC'), file.salt, file.N, file.r, file.p])));

/** Starts deriving this key file's key-encryption key from the passphrase (unwrapMasterKey takes it); false when already started. */
export function deriveEarly(file: KeyFile, passphrase: string): boolean {
  const k = earlyKey(passphrase, file);
  if (early.has(k)) return false;
  const p = deriveKey(passphrase, Buffer.from(file.salt, 'base64'), file);
  p.catch(() => undefined); // a failure is met again by the derivation that takes it
  early.set(k, p);
  return true;
}

/** The master key, or null when the passphrase is not this key's. */
export async function unwrapMasterKey(file: KeyFile, passphrase: string): Promise<MasterKey | null> {
  const k = earlyKey(passphrase, file);
  const started = early.get(k);
  early.delete(k);
  const kek = await (started ?? deriveKey(passphrase, Buffer.from(file.salt, 'base64'), file));
  let plain: Buffer;
  try {
    plain = open(kek, Buffer.from(file.data, 'base64'), aad('ripcord-key'), 'key');
  } catch {
    return null;
  }
  const m = JSON.parse(plain.toString('utf8')) as { enc: string; id: string };
  const enc = Buffer.from(m.enc, 'base64');
  const id = Buffer.from(m.id, 'base64');
  if (enc.length !== 32 || id.length !== 32) throw new AppError('corrupt', 'master key has the wrong length');
  return masterKey(enc, id);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
