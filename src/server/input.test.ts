import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../core/errors.js';
import { checkText, decodeBody, findRepeatedHeader, parseFormBody } from './input.js';

/** The message of the ERR_REQUEST_INVALID that `fn` throws, or null when it returns. */
function refusal(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof AuthError && error.code === 'ERR_REQUEST_INVALID') return error.message;
    throw error;
  }
}

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('findRepeatedHeader', () => {
  it.each([
    [['Authorization', 'Bearer a'], null],
    [['Authorization', 'Bearer a', 'Cookie', 'x=1'], null],
    [['Authorization', 'Bearer a', 'authorization', 'Bearer b'], 'Authorization'],
    [['AUTHORIZATION', 'Bearer a', 'Host', 'h', 'aUtHoRiZaTiOn', ''], 'Authorization'],
    [['Cookie', 'a=1', 'cookie', 'b=2'], 'Cookie'],
    [['Cookie', 'a=1', 'Cookie', 'a=1'], 'Cookie'],
    // Other headers may repeat; a header value that looks like a name is not a name.
    [['Accept', 'a', 'Accept', 'b', 'X-A', 'Authorization', 'X-B', 'Authorization'], null],
    [[], null],
  ])('%j -> %j', (raw, expected) => {
    expect(findRepeatedHeader(raw)).toBe(expected);
  });
});

describe('decodeBody', () => {
  it('decodes UTF-8 and keeps a byte-order mark', () => {
    expect(decodeBody(bytes('h\u00e9 \u{1f600}'))).toEqual({
      text: 'h\u00e9 \u{1f600}',
      utf8: true,
    });
    expect(decodeBody(bytes([0xef, 0xbb, 0xbf], '{}'))).toEqual({ text: '\ufeff{}', utf8: true });
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xFF', [0xff]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('says when the bytes are not UTF-8: %s', (_name, invalid) => {
    const decoded = decodeBody(bytes('"', invalid, '"'));
    expect(decoded.utf8).toBe(false);
    expect(decoded.text).toContain('\ufffd');
  });

  it('agrees with a fatal TextDecoder on random bytes', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (input) => {
        let valid = true;
        try {
          fatal.decode(input);
        } catch {
          valid = false;
        }
        expect(decodeBody(input).utf8).toBe(valid);
      }),
    );
  });
});

describe('checkText', () => {
  const field = { utf8: true, where: 'field' } as const;

  it('accepts well-formed text, surrogate pairs included, and values of other types', () => {
    expect(
      refusal(() =>
        checkText({ a: 'x', b: '\u{1f600}', c: [1, true, null, { d: '\ud83d\ude00' }] }, field),
      ),
    ).toBeNull();
  });

  it.each([
    [{ email: 'a\u0000b' }, 'The field email contains a NUL character.'],
    [{ email: '\u0000' }, 'The field email contains a NUL character.'],
    [{ email: 'a\ud800' }, 'The field email is not well-formed Unicode (a lone surrogate).'],
    [{ email: '\udc00a' }, 'The field email is not well-formed Unicode (a lone surrogate).'],
    [{ email: '\ude00\ud83d' }, 'The field email is not well-formed Unicode (a lone surrogate).'],
    [{ a: { b: ['ok', 'x\u0000'] } }, 'The field a.b[1] contains a NUL character.'],
    [{ 'a\u0000': 1 }, 'A field name contains a NUL character.'],
    [{ '\ud800': 'x' }, 'A field name is not well-formed Unicode (a lone surrogate).'],
    [{ 'odd name!': '\u0000' }, 'The field (unnamed) contains a NUL character.'],
    [['\u0000'], 'The field [0] contains a NUL character.'],
    ['\u0000', 'The field (body) contains a NUL character.'],
  ])('%j: %s', (value, message) => {
    expect(refusal(() => checkText(value, field))).toBe(message);
  });

  it('names the first offending field in document order', () => {
    expect(refusal(() => checkText({ a: 'ok', b: '\u0000', c: '\ud800' }, field))).toBe(
      'The field b contains a NUL character.',
    );
  });

  it('names the field that held bytes which were not UTF-8, and refuses such a body in any case', () => {
    const bad = { utf8: false, where: 'field' } as const;
    expect(refusal(() => checkText({ a: 'ok', b: 'x\ufffd' }, bad))).toBe(
      'The field b is not valid UTF-8.',
    );
    expect(refusal(() => checkText({ a: 'ok' }, bad))).toBe('The body is not valid UTF-8.');
    // With valid bytes, U+FFFD is an ordinary character.
    expect(refusal(() => checkText({ b: 'x\ufffd' }, field))).toBeNull();
  });

  it('walks a deeply nested body without exhausting the stack', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(refusal(() => checkText(deep, field))).toMatch(/^The field (\[0\]){100000} contains/);
  });

  it('says where the text came from', () => {
    expect(
      refusal(() => checkText({ id: 'a\u0000' }, { utf8: true, where: 'path parameter' })),
    ).toBe('The path parameter id contains a NUL character.');
  });
});

describe('parseFormBody', () => {
  const form = (text: string | Buffer) =>
    parseFormBody(typeof text === 'string' ? bytes(text) : text);

  it('parses as URLSearchParams does, dropping empty values (RFC 6749 section 3.2)', () => {
    expect(form('grant_type=password&username=ada%40example.com&password=a+b%2Bc&scope=')).toEqual({
      grant_type: 'password',
      username: 'ada@example.com',
      password: 'a b+c',
    });
    expect(form('&&a=%zz%4&b=%E2%82%AC&c=d=e&flag')).toEqual({ a: '%zz%4', b: '\u20ac', c: 'd=e' });
  });

  it('agrees with URLSearchParams on well-formed input', () => {
    const piece = fc.string({ unit: 'grapheme', maxLength: 8 });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(piece, piece), { selector: ([n]) => n }), (pairs) => {
        const usable = pairs.filter(([n]) => !n.includes('\u0000'));
        const values = usable.map(([n, v]) => [n, v.replaceAll('\u0000', '')] as [string, string]);
        const body = new URLSearchParams(values).toString();
        const expected: Record<string, string> = {};
        for (const [n, v] of new URLSearchParams(body)) if (v !== '') expected[n] = v;
        expect(form(body)).toEqual(expected);
      }),
    );
  });

  it.each([
    ['a=1&a=2', 'The parameter a is repeated.'],
    ['username=a%00b', 'The parameter username contains a NUL character.'],
    ['username=a%FF', 'The parameter username is not valid UTF-8.'],
    ['username=%ED%A0%80', 'The parameter username is not valid UTF-8.'],
    ['username=%C0%AF', 'The parameter username is not valid UTF-8.'],
    ['username=%E2%82', 'The parameter username is not valid UTF-8.'],
    ['us%FFer=x', 'A parameter name is not valid UTF-8.'],
    ['us%00er=x', 'A parameter name contains a NUL character.'],
    ['odd%20name=%00', 'The parameter (unnamed) contains a NUL character.'],
  ])('%s: %s', (body, message) => {
    expect(refusal(() => form(body))).toBe(message);
  });

  it('refuses raw bytes that are not UTF-8, naming the parameter', () => {
    expect(refusal(() => form(bytes('a=1&username=x', [0xff], '&b=2')))).toBe(
      'The parameter username is not valid UTF-8.',
    );
    expect(refusal(() => form(bytes('a=1&', [0xc3], '=2')))).toBe(
      'A parameter name is not valid UTF-8.',
    );
  });
});
