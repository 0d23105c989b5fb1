/**
 * JSON object parsing for untrusted token segments. Browser-safe.
 *
 * `JSON.parse` keeps the last of duplicate member names, so `{"alg":"RS256","alg":"HS256"}` means
 * different things to different parsers; RFC 7515 section 5.2 lets us reject it, and we do. The
 * check is cheap: in valid JSON every `:` outside a string separates exactly one object member, so
 * duplicates exist exactly when the text has more such colons than the parsed objects have keys.
 * The same pass bounds nesting depth before `JSON.parse` runs.
 */

export type JsonObject = Record<string, unknown>;

export type ParseJsonObjectResult =
  | { readonly ok: true; readonly value: JsonObject }
  | {
      readonly ok: false;
      readonly reason: 'syntax' | 'not_object' | 'duplicate_member' | 'too_deep';
    };

/** Default nesting bound; JWT headers and claim sets are flat in practice. */
export const DEFAULT_MAX_JSON_DEPTH = 16;

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACE = 125;
const CLOSE_BRACKET = 93;

/**
 * Parses `text` as one JSON object with unique member names and bounded depth.
 *
 * @example
 * parseJsonObject('{"a":1,"a":2}') // { ok: false, reason: 'duplicate_member' }
 */
export function parseJsonObject(
  text: string,
  maxDepth = DEFAULT_MAX_JSON_DEPTH,
): ParseJsonObjectResult {
  let colons = 0;
  let depth = 0;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      // Jump to the closing quote: one that is preceded by an even number of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return { ok: false, reason: 'syntax' };
      i = end + 1;
      continue;
    }
    if (code === COLON) colons++;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) return { ok: false, reason: 'too_deep' };
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
    i++;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'syntax' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not_object' };
  }
  if (countMembers(value) !== colons) return { ok: false, reason: 'duplicate_member' };
  return { ok: true, value: value as JsonObject };
}

/** Counts object members in a parsed JSON value; depth is already bounded by the scan. */
function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countMembers(item);
    return count;
  }
  for (const key in value) {
    count += 1 + countMembers((value as JsonObject)[key]);
  }
  return count;
}

/**
 * Freezes a parsed JSON value and everything inside it, so a value handed to several callers
 * (a cached header, a cached claims set) cannot be changed by one of them for the others.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
