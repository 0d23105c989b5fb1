// Who is signed in, for the header of every page (app.js and recovery.js): how this tab signs in
// (the server's GATEHOUSE_WEB_SIGN_IN, or a developer's choice for this tab at /developer), the
// client that holds the tokens in token mode, and signing out. Values are written with
// textContent, never as HTML.

import { createAuthClient, localStorageTokenStore } from '/assets/lib/client/index.js';

const $ = (selector) => document.querySelector(selector);
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content');

/** The product's name, as the server branded the page. */
export const productName = meta('application-name') ?? 'Gatehouse';

/** How the server's pages sign in: 'cookie' or 'token'. */
export const configuredMode = meta('gatehouse-sign-in') === 'tokens' ? 'token' : 'cookie';

const DEV_MODE_KEY = 'gatehouse.dev-sign-in';

/** How the sign-in form of this tab signs in: the developer's choice for it, else the server's. */
export function signInMode() {
  const chosen = sessionStorage.getItem(DEV_MODE_KEY);
  return chosen === 'cookie' || chosen === 'token' ? chosen : configuredMode;
}

/** A developer's choice for this tab (the server's own mode clears it). */
export function chooseSignInMode(chosen) {
  if (chosen === configuredMode) sessionStorage.removeItem(DEV_MODE_KEY);
  else sessionStorage.setItem(DEV_MODE_KEY, chosen);
}

// Token mode keeps its tokens in sessionStorage (this tab only, survives a reload); cookie mode
// keeps nothing in the page at all: the browser holds an HttpOnly cookie.
/** How the user of this tab signed in: 'token', 'cookie', or null (never here, or a cookie from another tab). */
export const mode = () => sessionStorage.getItem('gatehouse.mode');

export const auth = createAuthClient({
  baseUrl: location.origin,
  storage: localStorageTokenStore('gatehouse.tokens', sessionStorage),
});

/** fetch for the signed-in user, whichever way they signed in. */
export function api(path, init = {}) {
  if (mode() === 'token') return auth.fetch(path, init);
  return fetch(path, { ...init, credentials: 'same-origin' });
}

/** The signed-in user ({ email, ... } from /v1/me), or null when nobody is (or the server is unreachable). */
export async function currentUser() {
  try {
    const response = await api('/v1/me');
    return response.status === 200 ? await response.json() : null;
  } catch {
    return null;
  }
}

/** The header's account area: who, the account link and sign-out; or the sign-in link. */
export function showSignedIn(user) {
  const signedIn = user !== null && typeof user?.email === 'string';
  $('#nav-user').textContent = signedIn ? user.email : '';
  $('#nav-user').hidden = !signedIn;
  $('#nav-account').hidden = !signedIn;
  $('#sign-out').hidden = !signedIn;
  $('#nav-sign-in').hidden = signedIn;
}

/** Reads who is signed in and shows it in the header; returns the user or null. */
export async function refreshHeader() {
  const user = await currentUser();
  showSignedIn(user);
  return user;
}

/**
 * Signs this browser out (everywhere: every session of the user). Returns the server's answer;
 * a 401 counts as done (the session had already ended).
 */
export async function signOut(everywhere) {
  let status = 0;
  let body = null;
  try {
    const response = await api('/v1/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(everywhere ? { scope: 'global' } : {}),
    });
    status = response.status;
    const text = await response.text();
    body = text === '' ? null : JSON.parse(text);
  } catch {
    return { ok: false, status, body };
  }
  if (status !== 204 && status !== 401) return { ok: false, status, body };
  if (mode() === 'token') await auth.logout().catch(() => {});
  sessionStorage.removeItem('gatehouse.mode');
  showSignedIn(null);
  return { ok: true, status, body };
}
