/**
 * The local issuer's state, generated once per stack data directory: an ES256 signing key and a
 * client secret for every local sender identity (lib/auth/identity.ts LOCAL_SENDERS). Each
 * component is handed only its own secret file; the signing key never leaves the issuer.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { LOCAL_SENDERS } from '../../lib/auth/identity.js';

export const SIGNING_ALG = 'ES256';

export interface IssuerState {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** client id → secret */
  readonly clients: ReadonlyMap<string, string>;
}

export function clientSecretPath(dir: string, clientId: string): string {
  return join(dir, 'clients', `${clientId}.secret`);
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Creates whatever is missing in `dir` (idempotent) and loads it. */
export async function loadIssuerState(dir: string): Promise<IssuerState> {
  mkdirSync(join(dir, 'clients'), { recursive: true, mode: 0o700 });
  const keyPath = join(dir, 'signing-key.jwk.json');
  if (!existsSync(keyPath)) {
    const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const jwk = await exportJWK(privateKey);
    jwk.kid = randomBytes(8).toString('hex');
    jwk.alg = SIGNING_ALG;
    writePrivate(keyPath, JSON.stringify(jwk));
  }
  const privateJwk = JSON.parse(readFileSync(keyPath, 'utf8')) as JWK;
  const { d: _private, ...publicJwk } = privateJwk;
  const clients = new Map<string, string>();
  for (const id of LOCAL_SENDERS) {
    const path = clientSecretPath(dir, id);
    if (!existsSync(path)) writePrivate(path, randomBytes(32).toString('base64url'));
    clients.set(id, readFileSync(path, 'utf8').trim());
  }
  const privateKey = (await importJWK(privateJwk, SIGNING_ALG)) as CryptoKey;
  return { privateKey, publicJwk: { ...publicJwk, use: 'sig' }, clients };
}
