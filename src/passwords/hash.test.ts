import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, OWASP_MINIMUM, verifyPassword } from './hash.js';

describe('passwords', () => {
  it('hashes with argon2id at the configured parameters and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery stapl')).toBe(false);
    expect(stored).not.toContain('correct horse');
  });

  it('two hashes of one password differ (random salt)', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('a garbage stored hash verifies nothing and does not throw', async () => {
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });

  it('asks for a rehash when the configured parameters rise, not when they are met', async () => {
    const stored = await hashPassword('pw-12345678');
    expect(needsRehash(stored, OWASP_MINIMUM)).toBe(false);
    expect(needsRehash(stored, { ...OWASP_MINIMUM, iterations: 3 })).toBe(true);
    expect(needsRehash(stored, { ...OWASP_MINIMUM, memoryKiB: 65_536 })).toBe(true);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuv', OWASP_MINIMUM)).toBe(true);
  });
});
