import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonObject } from './json.js';

describe('parseJsonObject', () => {
  it('parses objects exactly like JSON.parse when member names are unique', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (value) => {
        const text = JSON.stringify(value);
        const result = parseJsonObject(text);
        expect(result).toEqual({ ok: true, value: JSON.parse(text) });
      }),
    );
  });

  it.each([
    ['top-level duplicate', '{"a":1,"a":2}'],
    ['duplicate after a colon inside a string', '{"a":"x:y","b":1,"a":2}'],
    ['duplicate after an escaped quote', '{"a":"say \\"hi\\": ok","a":2}'],
    ['duplicate after an escaped backslash', '{"a":"c:\\\\","a":2}'],
    ['duplicate in a nested object', '{"a":{"b":1,"b":2}}'],
    ['duplicate in an object inside an array', '{"a":[{"b":1,"b":2}]}'],
    ['duplicate __proto__', '{"__proto__":1,"__proto__":2}'],
    ['duplicate spelled with an escape', '{"alg":1,"\\u0061lg":2}'],
  ])('refuses a %s', (_name, text) => {
    expect(parseJsonObject(text)).toEqual({ ok: false, reason: 'duplicate_member' });
  });

  it('keeps a single __proto__ as an own member without touching the prototype', () => {
    const result = parseJsonObject('{"__proto__":{"admin":true}}');
    expect(result.ok).toBe(true);
    const value = (result as { value: Record<string, unknown> }).value;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect((value as { admin?: unknown }).admin).toBeUndefined();
  });

  it.each([
    ['array', '[1]', 'not_object'],
    ['string', '"x"', 'not_object'],
    ['null', 'null', 'not_object'],
    ['number', '1', 'not_object'],
    ['trailing garbage', '{"a":1}x', 'syntax'],
    ['unterminated string', '{"a":"x}', 'syntax'],
    ['single quotes', "{'a':1}", 'syntax'],
    ['empty', '', 'syntax'],
  ])('refuses %s', (_name, text, reason) => {
    expect(parseJsonObject(text)).toEqual({ ok: false, reason });
  });

  it('bounds nesting depth before JSON.parse runs: the limit passes, one more does not', () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    expect(parseJsonObject(nested(4), 4).ok).toBe(true);
    expect(parseJsonObject(nested(5), 4)).toEqual({ ok: false, reason: 'too_deep' });
    expect(parseJsonObject(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toEqual({
      ok: false,
      reason: 'too_deep',
    });
  });

  it('does not count brackets or colons inside strings toward depth or members', () => {
    expect(parseJsonObject('{"a":"[[[[[[[[[[[[[[[[[[[[:::::"}', 2)).toEqual({
      ok: true,
      value: { a: '[[[[[[[[[[[[[[[[[[[[:::::' },
    });
  });
});
