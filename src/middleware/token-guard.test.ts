import { describe, expect, it } from 'vitest';
import { AuthError } from '../core/index.js';
import { createTokenGuard } from './token-guard.js';

const base = { issuer: 'https://auth.test', audience: 'https://api.test' };

function configProblems(options: Parameters<typeof createTokenGuard>[0]): string {
  try {
    createTokenGuard(options);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('ERR_CONFIG_INVALID');
    return (error as AuthError).message;
  }
  throw new Error('expected createTokenGuard to throw');
}

describe('createTokenGuard options', () => {
  it('refuses bad options when created, not later on every request', () => {
    expect(configProblems({ ...base, clockToleranceSeconds: -5 })).toMatch(/clockToleranceSeconds/);
    expect(configProblems({ ...base, issuer: 'ftp://x' })).toMatch(/issuer/);
    expect(configProblems({ ...base, audience: '' })).toMatch(/audience/);
    expect(configProblems({ ...base, requiredScopes: ['two words'] })).toMatch(/requiredScopes/);
  });

  it('fetches nothing for a request without a usable Bearer credential', async () => {
    let fetches = 0;
    const guard = createTokenGuard({
      ...base,
      fetch: async () => {
        fetches++;
        return new Response('{}', { status: 500 });
      },
    });
    for (const header of [
      undefined,
      '',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer a b',
      'Bearer ä',
    ]) {
      const result = await guard.check(header);
      expect(result.ok, String(header)).toBe(false);
      if (!result.ok) expect(result.status).toBe(401);
    }
    expect(fetches).toBe(0);
  });
});
