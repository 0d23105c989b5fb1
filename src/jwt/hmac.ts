/**
 * HMAC (RFC 2104) built on node:crypto's one-shot `hash`, for the hot path of HS* verification.
 *
 * Why we own this: `createHmac` builds a stream object per call, and on this machine that is
 * about 2.4 us of the 2.6 us an HS256 check of a typical access token takes; two one-shot hashes
 * over precomputed pads take about 1.75 us (bench/README in docs/benchmarks.md). The construction
 * is the textbook one, H((K ^ opad) || H((K ^ ipad) || m)), and the tests check it against
 * `createHmac` and the Wycheproof HMAC vectors. Where `crypto.hash` is missing (Node < 20.12)
 * it falls back to `createHmac`.
 */
import * as nodeCrypto from 'node:crypto';
import { createHmac, type KeyObject } from 'node:crypto';

export interface HmacKernel {
  /** The full-length HMAC of `input` (a latin1 string or bytes). */
  mac(input: string | Buffer): Buffer;
  /** The same, as unpadded base64url: compared with a signature segment without decoding it. */
  macBase64Url(input: string): string;
}

type OneShotHash = {
  (algorithm: string, data: Buffer, outputEncoding: 'buffer'): Buffer;
  (algorithm: string, data: Buffer, outputEncoding: 'base64url'): string;
};
const oneShotHash = (nodeCrypto as unknown as { hash?: OneShotHash }).hash;

const BLOCK_BYTES: Record<string, number> = { sha256: 64, sha384: 128, sha512: 128 };
const DIGEST_BYTES: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * Precomputes the pads of `key` for `hash` ('sha256', 'sha384' or 'sha512').
 *
 * The scratch buffers are reused across calls: safe because `mac` is synchronous and a JS
 * realm runs one call at a time; each worker thread has its own module instance.
 */
export function createHmacKernel(hash: string, key: KeyObject): HmacKernel {
  const block = BLOCK_BYTES[hash];
  const digestBytes = DIGEST_BYTES[hash];
  if (oneShotHash === undefined || block === undefined || digestBytes === undefined) {
    const mac = (input: string | Buffer) => {
      const hmac = createHmac(hash, key);
      return (
        typeof input === 'string' ? hmac.update(input, 'latin1') : hmac.update(input)
      ).digest();
    };
    return { mac, macBase64Url: (input) => mac(input).toString('base64url') };
  }
  let secret: Buffer = key.export();
  // RFC 2104 section 2: keys longer than the block are hashed first.
  if (secret.length > block) secret = oneShotHash(hash, secret, 'buffer');
  const ipad = Buffer.alloc(block, 0x36);
  const opad = Buffer.alloc(block, 0x5c);
  for (let i = 0; i < secret.length; i++) {
    ipad[i] = (ipad[i] as number) ^ (secret[i] as number);
    opad[i] = (opad[i] as number) ^ (secret[i] as number);
  }
  secret.fill(0);
  let inner = Buffer.alloc(block + 1024);
  ipad.copy(inner);
  const outer = Buffer.alloc(block + digestBytes);
  opad.copy(outer);
  const hashOnce = oneShotHash;
  /** Fills `outer` with opad || H(ipad || input). */
  const prepareOuter = (input: string | Buffer) => {
    const length = input.length;
    if (block + length > inner.length) {
      inner = Buffer.alloc(block + length * 2);
      ipad.copy(inner);
    }
    if (typeof input === 'string') inner.write(input, block, 'latin1');
    else input.copy(inner, block);
    hashOnce(hash, inner.subarray(0, block + length), 'buffer').copy(outer, block);
    return outer;
  };
  return {
    mac: (input) => hashOnce(hash, prepareOuter(input), 'buffer'),
    macBase64Url: (input) => hashOnce(hash, prepareOuter(input), 'base64url'),
  };
}
