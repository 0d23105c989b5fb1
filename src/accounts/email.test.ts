import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../core/errors.js';
import {
  checkEmail,
  EMAIL_LOCAL_MAX_CHARACTERS,
  EMAIL_MAX_CHARACTERS,
  emailForLogin,
  normaliseEmail,
  parseEmail,
} from './email.js';

const domainOf = (length: number) => `${'d'.repeat(length - 4)}.com`;

describe('normaliseEmail', () => {
  it.each([
    ['ada@example.com', 'ada@example.com'],
    ['ADA@EXAMPLE.COM', 'ada@example.com'],
    ['  Ada@Example.com\t\n', 'ada@example.com'],
    ['\u3000ada@example.com\u00a0', 'ada@example.com'],
    ['ａｄａ@example.com', 'ada@example.com'],
    ['ＡＤＡ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'ada@example.com'],
    ['ﬁ@example.com', 'fi@example.com'],
    ['e\u0301@example.com', 'é@example.com'],
  ])('%j -> %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
    expect(checkEmail(input)).toEqual({ ok: true, email: expected });
  });

  it('does not trim U+FEFF as String.prototype.trim would: it is refused, not hidden', () => {
    expect(normaliseEmail('\ufeffada@example.com')).toBe('\ufeffada@example.com');
    expect(checkEmail('\ufeffada@example.com').ok).toBe(false);
  });
});

describe('checkEmail refuses', () => {
  const invisible = 'contains an invisible, control or format character';
  it.each([
    ['U+200B zero width space', 'ada\u200b@example.com', invisible],
    ['U+200C zero width non-joiner', 'ada@exa\u200cmple.com', invisible],
    ['U+200D zero width joiner', 'a\u200dda@example.com', invisible],
    ['U+2060 word joiner', 'ada@example.com\u2060', invisible],
    ['U+FEFF inside', 'ada@exam\ufeffple.com', invisible],
    ['U+FEFF at the start', '\ufeffada@example.com', invisible],
    ['U+202A LRE', '\u202aada@example.com', invisible],
    ['U+202B RLE', 'ada@\u202bexample.com', invisible],
    ['U+202C PDF', 'ada\u202c@example.com', invisible],
    ['U+202D LRO', 'ada@example\u202d.com', invisible],
    ['U+202E RLO', 'ada@\u202emoc.elpmaxe', invisible],
    ['U+2066 LRI', 'ada\u2066@example.com', invisible],
    ['U+2067 RLI', 'ada\u2067@example.com', invisible],
    ['U+2068 FSI', 'ada\u2068@example.com', invisible],
    ['U+2069 PDI', 'ada\u2069@example.com', invisible],
    ['U+00AD soft hyphen (Cf)', 'a\u00adda@example.com', invisible],
    ['U+180E Mongolian vowel separator (Cf)', 'ada\u180e@example.com', invisible],
    ['U+0000 NUL (Cc)', 'ada\u0000@example.com', invisible],
    ['U+0007 BEL (Cc)', 'ada\u0007@example.com', invisible],
    ['U+007F DEL (Cc)', 'ada@example.com\u007f', invisible],
    ['U+0085 NEL (Cc) inside', 'ada\u0085@example.com', invisible],
    ['a lone surrogate', 'ada\ud800@example.com', invisible],
    ['a space inside', 'ada lovelace@example.com', 'contains white space'],
    ['a tab inside', 'ada@exam\tple.com', invisible],
    ['a no-break space inside', 'ada\u00a0@example.com', 'contains white space'],
    ['an ideographic space inside', 'ada@\u3000example.com', 'contains white space'],
    ['U+2028 line separator inside', 'ada\u2028@example.com', 'contains white space'],
    ['a trailing dot in the domain', 'ada@example.com.', 'has an empty label in its domain'],
    ['a leading dot in the domain', 'ada@.example.com', 'has an empty label in its domain'],
    ['an empty label', 'ada@example..com', 'has an empty label in its domain'],
    ['a fullwidth trailing dot', 'ada@example.com．', 'has an empty label in its domain'],
    ['no domain', 'ada@', 'has an empty label in its domain'],
    ['no @', 'ada.example.com', 'must have exactly one @ with text before it'],
    ['two @', 'ada@lovelace@example.com', 'must have exactly one @ with text before it'],
    [
      'a fullwidth second @',
      'ada@lovelace＠example.com',
      'must have exactly one @ with text before it',
    ],
    ['nothing before the @', '@example.com', 'must have exactly one @ with text before it'],
    ['an empty string', '', 'must have exactly one @ with text before it'],
    ['only white space', ' \t ', 'must have exactly one @ with text before it'],
  ])('%s', (_name, input, reason) => {
    expect(checkEmail(input)).toEqual({ ok: false, reason });
  });

  it('more than 254 characters (254 is fine), counted after normalisation, in code points', () => {
    const at254 = `${'a'.repeat(64)}@${domainOf(EMAIL_MAX_CHARACTERS - 65)}`;
    expect(at254).toHaveLength(254);
    expect(checkEmail(at254)).toEqual({ ok: true, email: at254 });
    expect(checkEmail(`${at254}m`)).toEqual({
      ok: false,
      reason: 'is longer than 254 characters',
    });
    // Surrounding white space is trimmed before counting.
    expect(checkEmail(`  ${at254}  `).ok).toBe(true);
    // 254 characters outside the BMP are 508 UTF-16 units, and still 254 characters.
    const astral = `${'\u{10428}'.repeat(60)}@${'\u{10429}'.repeat(189)}.com`;
    expect([...astral]).toHaveLength(254);
    expect(checkEmail(astral).ok).toBe(true);
    // NFKC can lengthen: U+FB03 (the ffi ligature) becomes 3 characters.
    const expanding = `a@${'\ufb03'.repeat(84)}.com`;
    expect(expanding).toHaveLength(90);
    expect(checkEmail(expanding)).toEqual({ ok: false, reason: 'is longer than 254 characters' });
  });

  it('more than 64 characters before the @ (64 is fine)', () => {
    const local = 'l'.repeat(EMAIL_LOCAL_MAX_CHARACTERS);
    expect(checkEmail(`${local}@example.com`).ok).toBe(true);
    expect(checkEmail(`${local}l@example.com`)).toEqual({
      ok: false,
      reason: 'has more than 64 characters before the @',
    });
  });
});

describe('parseEmail', () => {
  it('returns the normal form, or throws ERR_REQUEST_INVALID naming the email and never its value', () => {
    expect(parseEmail(' ＡＤＡ@Example.com')).toBe('ada@example.com');
    try {
      parseEmail('sentinel\u200b@example.com');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).code).toBe('ERR_REQUEST_INVALID');
      expect((error as AuthError).message).toBe(
        'The email is not valid: it contains an invisible, control or format character.',
      );
      expect(JSON.stringify(error)).not.toContain('sentinel');
    }
  });
});

describe('emailForLogin', () => {
  it('is the normal form of an acceptable address', () => {
    expect(emailForLogin('ＡＤＡ@example.com')).toBe('ada@example.com');
  });

  it('turns a refused address into a stand-in no account can have: no @, no NUL, bounded, one per input', () => {
    const refused = [
      'ada\u200b@example.com',
      'ada\u0000@example.com',
      'ada\ud800@example.com',
      `${'a'.repeat(5000)}@example.com`,
      'no at sign',
    ];
    const standIns = refused.map(emailForLogin);
    for (const standIn of standIns) {
      expect(standIn).toMatch(/^refused:[A-Za-z0-9_-]{43}$/);
      expect(checkEmail(standIn).ok).toBe(false);
    }
    expect(new Set(standIns).size).toBe(refused.length);
    // Inputs with the same normal form share a stand-in (and so a throttling key).
    expect(emailForLogin('ADA\u200b@example.com')).toBe(standIns[0]);
  });
});

describe('the normal form is stable', () => {
  it('every accepted address is its own normal form (each code point, in a local part)', () => {
    const unstable: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const checked = checkEmail(`a${String.fromCodePoint(cp)}b@example.com`);
      if (!checked.ok) continue;
      const again = checkEmail(checked.email);
      if (!again.ok || again.email !== checked.email) unstable.push(cp.toString(16));
    }
    expect(unstable).toEqual([]);
  });

  it('every accepted address is its own normal form (random text)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (l, d) => {
        const checked = checkEmail(`${l}@${d}`);
        if (checked.ok) expect(checkEmail(checked.email)).toEqual(checked);
      }),
    );
  });
});
