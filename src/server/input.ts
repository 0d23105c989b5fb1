/**
 * What the server refuses before any handler runs: repeated credential headers, request text
 * that is not well-formed (invalid UTF-8, lone surrogates, NUL), and the form-body rules of RFC
 * 6749. Every refusal is ERR_REQUEST_INVALID naming the header or field, never its value.
 */
import { AuthError } from '../core/index.js';

/**
 * Headers that must arrive once. Node keeps the first `Authorization` and joins repeated
 * `Cookie` lines, while a proxy in front may act on the last: two parties reading two different
 * credentials from one request. RFC 6265 section 5.4 lets a user agent send one Cookie line only.
 */
const SINGLE_HEADERS: ReadonlyMap<string, string> = new Map([
  ['authorization', 'Authorization'],
  ['cookie', 'Cookie'],
]);

/**
 * The first header of SINGLE_HEADERS that appears more than once in `rawHeaders` (Node's flat
 * name, value, name, value list), by its canonical name; null when there is none.
 *
 * @example
 * findRepeatedHeader(['Authorization', 'Bearer a', 'authorization', 'Bearer b']) // 'Authorization'
 */
export function findRepeatedHeader(rawHeaders: readonly string[]): string | null {
  // Runs on every request: no allocation, and only names of the right length are lower-cased.
  let authorization = false;
  let cookie = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] ?? '';
    if (raw.length !== 13 && raw.length !== 6) continue;
    const name = raw.toLowerCase();
    if (name === 'authorization') {
      if (authorization) return SINGLE_HEADERS.get(name) ?? name;
      authorization = true;
    } else if (name === 'cookie') {
      if (cookie) return SINGLE_HEADERS.get(name) ?? name;
      cookie = true;
    }
  }
  return null;
}

/**
 * @throws AuthError ERR_REQUEST_INVALID when a header of SINGLE_HEADERS is repeated
 * @example
 * checkSingleHeaders(request.raw.rawHeaders);
 */
export function checkSingleHeaders(rawHeaders: readonly string[]): void {
  const repeated = findRepeatedHeader(rawHeaders);
  if (repeated !== null)
    throw new AuthError('ERR_REQUEST_INVALID', `The ${repeated} header is repeated.`, {
      reason: 'header_repeated',
    });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const REPLACEMENT = '\uFFFD';

/** A body's text, and whether its bytes were valid UTF-8 (if not, they became U+FFFD). */
export interface DecodedBody {
  readonly text: string;
  readonly utf8: boolean;
}

/**
 * Decodes a body as UTF-8 without losing the fact that it was not: node's decoders replace
 * invalid bytes with U+FFFD silently. A byte-order mark is kept, as Fastify's own reader does.
 *
 * @example
 * const { text, utf8 } = decodeBody(buffer);
 */
export function decodeBody(bytes: Uint8Array): DecodedBody {
  try {
    return { text: strictUtf8.decode(bytes), utf8: true };
  } catch {
    return { text: lenientUtf8.decode(bytes), utf8: false };
  }
}

// With the u flag, \p{Cs} matches only a surrogate that is not half of a pair: the same test as
// String.prototype.isWellFormed (which the ES2023 lib we compile against does not declare).
const LONE_SURROGATE = /\p{Cs}/u;
const SIMPLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

type Where = 'field' | 'parameter' | 'path parameter';

function refuse(message: string, reason: string): AuthError {
  return new AuthError('ERR_REQUEST_INVALID', message, { reason });
}

/** A problem with one piece of text, or null: NUL, a lone surrogate, a U+FFFD from bad bytes. */
function textProblem(text: string, utf8: boolean): 'nul' | 'surrogate' | 'utf8' | null {
  if (!utf8 && text.includes(REPLACEMENT)) return 'utf8';
  if (text.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(text)) return 'surrogate';
  return null;
}

const PROBLEM_TEXT = {
  nul: 'contains a NUL character',
  surrogate: 'is not well-formed Unicode (a lone surrogate)',
  utf8: 'is not valid UTF-8',
} as const;

/**
 * Checks every string in a parsed body or in path parameters, keys included, in document order.
 * When the bytes were not UTF-8 (`utf8` false), the first string holding U+FFFD is the one named
 * (a field that already held a genuine U+FFFD before it would be named instead): the request is
 * refused either way.
 *
 * @throws AuthError ERR_REQUEST_INVALID naming the field (`a.b`, `list[0]`), never its value
 * @example
 * checkText(JSON.parse(text), { utf8: true, where: 'field' });
 */
export function checkText(
  value: unknown,
  options: { readonly utf8: boolean; readonly where: Where },
): void {
  const { utf8, where } = options;
  // Iterative: a 16 KiB body can nest thousands deep.
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [item, path] = stack.pop() as [unknown, string];
    if (typeof item === 'string') {
      const problem = textProblem(item, utf8);
      if (problem !== null)
        throw refuse(`The ${where} ${path || '(body)'} ${PROBLEM_TEXT[problem]}.`, problem);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}[${i}]`]);
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const problem = textProblem(key, utf8);
        if (problem !== null) throw refuse(`A ${where} name ${PROBLEM_TEXT[problem]}.`, problem);
        // Name a field only when its name is plain: an odd key is the caller's data, not a label.
        const name = SIMPLE_NAME.test(key) ? key : '(unnamed)';
        stack.push([child, path === '' ? name : `${path}.${name}`]);
      }
    }
  }
  if (!utf8) throw refuse('The body is not valid UTF-8.', 'utf8');
}

const isHex = (byte: number) =>
  (byte >= 0x30 && byte <= 0x39) ||
  (byte >= 0x41 && byte <= 0x46) ||
  (byte >= 0x61 && byte <= 0x66);

/**
 * WHATWG URL "percent-decode" after '+' becomes a space, then a strict UTF-8 decode: the same
 * result as URLSearchParams for valid input, and null where URLSearchParams would substitute
 * U+FFFD for bytes that are not UTF-8.
 */
function decodeFormComponent(component: string): string | null {
  const bytes = Buffer.from(component, 'utf8');
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const high = bytes[i + 1];
    const low = bytes[i + 2];
    if (byte === 0x25 && high !== undefined && low !== undefined && isHex(high) && isHex(low)) {
      out[n++] = Number.parseInt(String.fromCharCode(high, low), 16);
      i += 2;
    } else out[n++] = byte === 0x2b ? 0x20 : byte;
  }
  try {
    return strictUtf8.decode(out.subarray(0, n));
  } catch {
    return null;
  }
}

/**
 * Parses an application/x-www-form-urlencoded body (WHATWG URL section 5.1): a repeated
 * parameter is refused (RFC 6749 section 3.2), a parameter without a value counts as omitted,
 * and every name and value must be UTF-8 without NUL.
 *
 * @throws AuthError ERR_REQUEST_INVALID naming the parameter, never its value
 * @example
 * parseFormBody(Buffer.from('grant_type=password&username=ada%40example.com'));
 */
export function parseFormBody(bytes: Uint8Array): Record<string, string> {
  const { text, utf8 } = decodeBody(bytes);
  const out: Record<string, string> = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeFormComponent(equals === -1 ? pair : pair.slice(0, equals));
    const nameProblem = name === null ? 'utf8' : textProblem(name, utf8);
    if (name === null || nameProblem !== null)
      throw refuse(
        `A parameter name ${PROBLEM_TEXT[nameProblem ?? 'utf8']}.`,
        nameProblem ?? 'utf8',
      );
    const label = SIMPLE_NAME.test(name) ? name : '(unnamed)';
    const value = decodeFormComponent(equals === -1 ? '' : pair.slice(equals + 1));
    if (value === null) throw refuse(`The parameter ${label} ${PROBLEM_TEXT.utf8}.`, 'utf8');
    const problem = textProblem(value, utf8);
    if (problem !== null) throw refuse(`The parameter ${label} ${PROBLEM_TEXT[problem]}.`, problem);
    if (Object.hasOwn(out, name))
      throw refuse(`The parameter ${label} is repeated.`, 'parameter_repeated');
    // RFC 6749 section 3.2: parameters sent without a value are treated as omitted.
    if (value !== '') out[name] = value;
  }
  if (!utf8) throw refuse('The body is not valid UTF-8.', 'utf8');
  return out;
}
