/**
 * The cryptography of a FranceConnect+ sign-in alone, with `jose`, on real tokens of the emulator: the
 * ID token and userinfo JWEs are decrypted (the registered key management and A256GCM) and their inner
 * JWS verified (ES256) with keys imported once, nothing else. This is the floor no relying party can go
 * under.
 *
 * Commands: `load` (the tokens, then the platform's signing keys are fetched once), `run` (`n` rounds of
 * two decryptions and two verifications, one at a time; answers the CPU time they took, in µs).
 */
import { readFile } from 'node:fs/promises';
import { compactDecrypt, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { CapturedTokens } from './bare-rp.process.js';
import { childConfig, cpuMicros, failStart, serve } from './ipc.js';

/** What the parent gives this process. */
export interface CryptoProcessConfig {
  /** The private JWKS file of the relying parties. */
  readonly keysFile: string;
  readonly encryptionAlg: string;
  /** The platform's JWKS URL (`<issuer>/jwks`). */
  readonly platformJwksUri: string;
}

async function main(): Promise<void> {
  const config = childConfig<CryptoProcessConfig>();
  const { keys } = JSON.parse(await readFile(config.keysFile, 'utf8')) as { keys: JWK[] };
  const decryptionKeys = new Map<string, CryptoKey>();
  for (const jwk of keys) {
    if (jwk.alg === config.encryptionAlg && jwk.kid) decryptionKeys.set(jwk.kid, (await importJWK(jwk, jwk.alg)) as CryptoKey);
  }
  const verificationKeys = new Map<string, CryptoKey>();
  let tokens: CapturedTokens | undefined;

  const decryptOptions = { keyManagementAlgorithms: [config.encryptionAlg], contentEncryptionAlgorithms: ['A256GCM'] };
  const verifyOptions = { algorithms: ['ES256'] };
  const open = async (jwe: string): Promise<void> => {
    const key = decryptionKeys.get(decodeProtectedHeader(jwe).kid ?? '');
    if (!key) throw new Error('no decryption key for this JWE');
    const { plaintext } = await compactDecrypt(jwe, key, decryptOptions);
    const jws = new TextDecoder().decode(plaintext);
    const verificationKey = verificationKeys.get(decodeProtectedHeader(jws).kid ?? '');
    if (!verificationKey) throw new Error('no verification key for this JWS');
    await compactVerify(jws, verificationKey, verifyOptions);
  };

  serve(
    {
      load: async (argument) => {
        tokens = argument as CapturedTokens;
        const response = await fetch(config.platformJwksUri);
        const jwks = (await response.json()) as { keys: JWK[] };
        for (const jwk of jwks.keys) {
          if (jwk.alg === 'ES256' && jwk.kid) verificationKeys.set(jwk.kid, (await importJWK(jwk, 'ES256')) as CryptoKey);
        }
        await open(tokens.idToken);
        await open(tokens.userinfo);
        return true;
      },
      run: async (argument) => {
        if (!tokens) throw new Error('load the tokens first');
        const rounds = Number(argument);
        const before = cpuMicros();
        for (let round = 0; round < rounds; round++) {
          await open(tokens.idToken);
          await open(tokens.userinfo);
        }
        return cpuMicros() - before;
      },
    },
    { ready: true },
  );
}

main().catch(failStart);
