// The token inspector: decodes a pasted JWT, shows header and payload, times with a countdown,
// warnings, and checks the signature with WebCrypto against this server's JWKS or a pasted key.
// The token never leaves the page (the JWKS fetch sends nothing about it).
const $ = (selector) => document.querySelector(selector);

function decodeSegment(segment) {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new Error('not base64url');
  const base64 = segment
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(segment.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
const decodeJson = (segment) =>
  JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeSegment(segment)));

/** Pretty JSON as DOM nodes with classes for keys, strings, numbers and literals (no innerHTML). */
function renderJson(target, value) {
  const text = JSON.stringify(value, null, 2);
  target.replaceChildren();
  const pattern =
    /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    target.append(text.slice(last, match.index));
    const span = document.createElement('span');
    span.className = match[1] ? (match[2] ? 'k' : 's') : match[3] ? 'l' : 'n';
    span.textContent = match[1] ?? match[0];
    target.append(span);
    if (match[2]) target.append(match[2]);
    last = match.index + match[0].length;
  }
  target.append(text.slice(last));
}

const USUAL_ALGS = new Set([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'HS256',
  'HS384',
  'HS512',
]);
const SENSITIVE =
  /(pass(word)?|secret|ssn|social|credit|card|iban|phone|address|birth|dob|salary|email)/i;

function warningsFor(header, payload) {
  const warnings = [];
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none')
    warnings.push('alg is "none" or missing: this token is not signed.');
  else if (!USUAL_ALGS.has(header.alg)) warnings.push(`alg "${header.alg}" is unusual.`);
  if (payload.exp === undefined) warnings.push('No exp: this token never expires.');
  if (
    typeof payload.exp === 'number' &&
    typeof payload.iat === 'number' &&
    payload.exp - payload.iat > 86_400
  ) {
    warnings.push(
      `Long lifetime: ${Math.round((payload.exp - payload.iat) / 3600)} hours between iat and exp.`,
    );
  }
  for (const key of Object.keys(payload)) {
    if (SENSITIVE.test(key))
      warnings.push(`"${key}" looks sensitive: anyone holding the token can read the payload.`);
  }
  for (const key of ['jwk', 'jku', 'x5u', 'x5c'])
    if (key in header)
      warnings.push(`The header carries "${key}": a verifier must never take keys from the token.`);
  return warnings;
}

let countdown = null;
function showTimes(payload) {
  const list = $('#times');
  clearInterval(countdown);
  const draw = () => {
    list.replaceChildren();
    for (const claim of ['iat', 'nbf', 'exp']) {
      if (typeof payload[claim] !== 'number') continue;
      const dt = document.createElement('dt');
      dt.textContent = claim;
      const dd = document.createElement('dd');
      const when = new Date(payload[claim] * 1000);
      let text = when.toLocaleString();
      if (claim === 'exp') {
        const left = Math.round(payload.exp - Date.now() / 1000);
        text +=
          left > 0
            ? ` (expires in ${Math.floor(left / 60)} min ${left % 60} s)`
            : ` (expired ${Math.floor(-left / 60)} min ${-left % 60} s ago)`;
      }
      dd.textContent = text;
      dd.dataset.claim = claim;
      list.append(dt, dd);
    }
  };
  draw();
  countdown = setInterval(draw, 1000);
}

const HASH = { 256: 'SHA-256', 384: 'SHA-384', 512: 'SHA-512' };
const CURVE = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

async function importVerifyKey(alg, source) {
  const hash = HASH[alg.slice(2)];
  if (alg.startsWith('HS')) {
    if (typeof source !== 'string') throw new Error('an HMAC token needs a pasted secret');
    return crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(source),
      { name: 'HMAC', hash },
      false,
      ['verify'],
    );
  }
  if (typeof source !== 'object') throw new Error('paste a public JWK or JWKS for this algorithm');
  const jwk = { ...source };
  for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'key_ops', 'use', 'alg'])
    delete jwk[member];
  if (alg.startsWith('ES'))
    return crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: CURVE[alg] }, false, [
      'verify',
    ]);
  if (alg.startsWith('RS'))
    return crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash }, false, [
      'verify',
    ]);
  if (alg.startsWith('PS'))
    return crypto.subtle.importKey('jwk', jwk, { name: 'RSA-PSS', hash }, false, ['verify']);
  if (alg === 'EdDSA')
    return crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify']);
  throw new Error(`cannot check ${alg}`);
}

function verifyParams(alg) {
  const hash = HASH[alg.slice(2)];
  if (alg.startsWith('HS')) return { name: 'HMAC' };
  if (alg.startsWith('ES')) return { name: 'ECDSA', hash };
  if (alg.startsWith('RS')) return { name: 'RSASSA-PKCS1-v1_5' };
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', saltLength: Number(alg.slice(2)) / 8 };
  return { name: 'Ed25519' };
}

/** Picks the key for the token from a JWKS (by kid, else the only key of the algorithm). */
function pickKey(jwks, header) {
  const keys = Array.isArray(jwks.keys) ? jwks.keys : [jwks];
  const byKid = header.kid === undefined ? [] : keys.filter((k) => k.kid === header.kid);
  if (byKid.length === 1) return byKid[0];
  const byAlg = keys.filter((k) => k.alg === undefined || k.alg === header.alg);
  return header.kid === undefined && byAlg.length === 1 ? byAlg[0] : null;
}

async function checkSignature(token, header) {
  const out = $('#signature');
  out.className = '';
  out.textContent = 'Checking…';
  try {
    if (!USUAL_ALGS.has(header.alg)) throw new Error(`cannot check alg "${header.alg}"`);
    let source;
    if (document.querySelector('input[name="key-source"]:checked').value === 'jwks') {
      const response = await fetch('/.well-known/jwks.json');
      source = pickKey(await response.json(), header);
      if (source === null) throw new Error('no key of this server matches the token’s kid');
    } else {
      const pasted = $('#pasted-key').value.trim();
      if (pasted === '') throw new Error('paste a key or secret');
      source = pasted.startsWith('{') ? pickKey(JSON.parse(pasted), header) : pasted;
      if (source === null) throw new Error('no pasted key matches the token’s kid');
    }
    const key = await importVerifyKey(header.alg, source);
    const [h, p, s] = token.split('.');
    const valid = await crypto.subtle.verify(
      verifyParams(header.alg),
      key,
      decodeSegment(s),
      new TextEncoder().encode(`${h}.${p}`),
    );
    out.className = valid ? 'valid' : 'invalid';
    out.textContent = valid
      ? 'Signature valid.'
      : 'Signature invalid: this token was not signed by that key, or it was changed.';
  } catch (error) {
    out.className = 'invalid';
    out.textContent = `Cannot check the signature: ${error.message}.`;
  }
}

/** Decodes the header and payload, or throws with the one reason this is not a readable JWT. */
function readToken(parts) {
  if (parts.length !== 3)
    throw new Error(
      `a JWT is three parts separated by dots (header.payload.signature); this has ${parts.length}`,
    );
  const read = (segment, name) => {
    try {
      return decodeJson(segment);
    } catch {
      throw new Error(`its ${name} is not base64url-encoded JSON`);
    }
  };
  const header = read(parts[0], 'header');
  const payload = read(parts[1], 'payload');
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new Error('its header is not a JSON object');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new Error('its payload is not a JSON object');
  return { header, payload };
}

export function setupInspector() {
  const input = $('#jwt');
  const result = $('#inspect-result');
  const problem = $('#inspect-error');
  const run = () => {
    const token = input.value.trim();
    clearInterval(countdown);
    const warnings = $('#warnings');
    warnings.replaceChildren();
    let decoded;
    try {
      decoded = token === '' ? null : readToken(token.split('.'));
      problem.hidden = true;
      problem.textContent = '';
    } catch (error) {
      decoded = null;
      // One message, and no empty Header, Payload and Signature boxes under it.
      problem.textContent = `This is not a JWT: ${error.message}.`;
      problem.hidden = false;
    }
    result.hidden = decoded === null;
    if (decoded === null) {
      $('#header').replaceChildren();
      $('#payload').replaceChildren();
      $('#times').replaceChildren();
      $('#signature').textContent = '';
      return;
    }
    const { header, payload } = decoded;
    renderJson($('#header'), header);
    renderJson($('#payload'), payload);
    for (const text of warningsFor(header, payload)) {
      const item = document.createElement('li');
      item.textContent = text;
      warnings.append(item);
    }
    showTimes(payload);
    checkSignature(token, header);
  };
  input.addEventListener('input', run);
  for (const radio of document.querySelectorAll('input[name="key-source"]')) {
    radio.addEventListener('change', () => {
      const pasted = radio.value === 'pasted' && radio.checked;
      $('#pasted-key').hidden = !pasted;
      $('#pasted-key-label').hidden = !pasted;
      run();
    });
  }
  $('#pasted-key').addEventListener('input', run);
}
