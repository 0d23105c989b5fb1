import { createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHmacKernel } from './hmac.js';

describe('createHmacKernel', () => {
  it.each(['sha256', 'sha384', 'sha512'])(
    '%s equals createHmac for any key and message',
    (hash) => {
      fc.assert(
        fc.property(
          // Keys from 1 byte to past the block size (keys longer than the block are hashed first).
          fc.uint8Array({ minLength: 1, maxLength: 200 }),
          fc.string({ maxLength: 3000 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
          (keyBytes, message) => {
            const key = createSecretKey(Buffer.from(keyBytes));
            const kernel = createHmacKernel(hash, key);
            const expected = createHmac(hash, Buffer.from(keyBytes))
              .update(message, 'latin1')
              .digest();
            expect(kernel.mac(message)).toEqual(expected);
            expect(kernel.mac(Buffer.from(message, 'latin1'))).toEqual(expected);
            expect(kernel.macBase64Url(message)).toBe(expected.toString('base64url'));
          },
        ),
        { numRuns: 150 },
      );
    },
  );

  it('stays correct when a long input is followed by a short one (scratch buffer reuse)', () => {
    const key = createSecretKey(Buffer.alloc(32, 7));
    const kernel = createHmacKernel('sha256', key);
    const long = 'a'.repeat(5000);
    kernel.mac(long);
    expect(kernel.mac('b')).toEqual(createHmac('sha256', Buffer.alloc(32, 7)).update('b').digest());
    expect(kernel.mac(long)).toEqual(
      createHmac('sha256', Buffer.alloc(32, 7)).update(long).digest(),
    );
  });
});
