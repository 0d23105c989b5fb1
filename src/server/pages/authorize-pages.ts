/**
 * The pages of the authorization endpoint, rendered on the server: the sign-in form that carries
 * the authorization request in hidden fields (no script needed), and the page that shows an
 * error which must not go back to an unverified redirect URI. Every value is HTML-escaped; the
 * Content-Security-Policy allows no script at all, and the form posts only to this origin and
 * (after the sign-in's redirect) to the client's redirect URI. Branded like the other pages
 * (pages/branding.ts): the same header, footer, favicon and style.
 */
import type { Branding } from '../config.js';
import {
  escapeHtml,
  imageSources,
  productNameOf,
  renderBrandMark,
  renderFooter,
  renderHeadLinks,
} from './branding.js';

export { escapeHtml };

/** The parameters of an authorization request that the form carries back, in this order. */
export const CARRIED_PARAMETERS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'max_age',
  'login_hint',
] as const;

/**
 * The page's Content-Security-Policy: no script, this origin's style, and a form that may post
 * here and follow the sign-in's redirect to the client (Chromium applies form-action to the
 * redirects of a form submission).
 */
export function authorizePagePolicy(redirectUri: string | null, branding: Branding): string {
  let target = '';
  if (redirectUri !== null) {
    const url = new URL(redirectUri);
    target =
      url.protocol === 'http:' || url.protocol === 'https:' ? ` ${url.origin}` : ` ${url.protocol}`;
  }
  return [
    "default-src 'none'",
    "style-src 'self'",
    `img-src ${imageSources(branding)}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action 'self'${target}`,
  ].join('; ');
}

/** A no-script sign-out: the confirmed form of RP-initiated logout, which ends the browser's session. */
const SIGN_OUT_FORM = `<form method="post" action="/end-session" class="header-form">
      <input type="hidden" name="confirm" value="yes">
      <button type="submit" class="link">Sign out</button>
    </form>`;

const shell = (branding: Branding, title: string, body: string, signOut = false) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(`${title} · ${productNameOf(branding)}`)}</title>
  ${renderHeadLinks(branding)}
</head>
<body>
  <header class="site">
    <span class="brand">${renderBrandMark(branding)}</span>
    ${signOut ? SIGN_OUT_FORM : ''}
  </header>
  <main>
${body}
  </main>
  ${renderFooter(branding)}
</body>
</html>
`;

/** What the sign-in form shows. */
export interface SignInPage {
  /** The client's name, as registered. */
  readonly clientName: string;
  /** The authorization request's parameters, carried back in hidden fields. */
  readonly parameters: Readonly<Record<string, string | undefined>>;
  /** The email to prefill (login_hint, or what was typed). */
  readonly email: string | null;
  /** A message after a failed attempt; null: none. */
  readonly error: string | null;
  /** Which form the message is about: the sign-up form is then open. */
  readonly intent?: 'signin' | 'signup';
}

/**
 * The sign-in form of the authorization endpoint, and a sign-up form (in a `<details>`: no script)
 * for a user who has no account yet; both carry the request and end back at the client.
 */
export function renderSignInPage(page: SignInPage, branding: Branding): string {
  const hidden = CARRIED_PARAMETERS.filter((name) => page.parameters[name] !== undefined)
    .map(
      (name) =>
        `      <input type="hidden" name="${name}" value="${escapeHtml(page.parameters[name] as string)}">`,
    )
    .join('\n');
  const signup = page.intent === 'signup';
  const error =
    page.error === null
      ? ''
      : `    <p id="notice" class="error" role="alert">${escapeHtml(page.error)}</p>\n`;
  const email = page.email === null ? '' : ` value="${escapeHtml(page.email)}"`;
  const focusFirst = page.error === null && !signup ? ' autofocus' : '';
  const focusPassword = page.error !== null && !signup ? ' autofocus' : '';
  return shell(
    branding,
    'Sign in',
    `    <h1>Sign in</h1>
    <p>to continue to <strong>${escapeHtml(page.clientName)}</strong></p>
${error}    <form method="post" action="/authorize">
${hidden}
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required maxlength="320"${signup ? '' : email}${focusFirst}>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${focusPassword}>
      <div class="buttons"><button type="submit">Sign in</button></div>
    </form>
    <p><a href="/forgot-password">Forgot your password?</a></p>
    <details${signup ? ' open' : ''}>
      <summary>New here? Create an account</summary>
      <form method="post" action="/authorize">
${hidden.replaceAll('      <input', '        <input')}
        <input type="hidden" name="intent" value="signup">
        <label for="signup-email">Email</label>
        <input id="signup-email" name="email" type="email" autocomplete="username" required maxlength="320"${signup ? `${email} autofocus` : ''}>
        <label for="signup-password">New password <span class="hint">(8 to 256 characters)</span></label>
        <input id="signup-password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="256">
        <div class="buttons"><button type="submit" class="secondary">Create account</button></div>
      </form>
    </details>`,
  );
}

/** After a sign-up when the server requires a verified address before sign-in. */
export function renderCheckEmailPage(email: string, branding: Branding): string {
  return shell(
    branding,
    'Confirm your email',
    `    <h1>Confirm your email address</h1>
    <p role="status">We sent a link to <strong>${escapeHtml(email)}</strong>. Follow it, then come back to the app and sign in.</p>`,
  );
}

/**
 * A page for an error that cannot go back to the client (RFC 6749 section 4.1.2.1); `signOut`
 * (the browser has a session cookie): the header offers to end it.
 */
export function renderErrorPage(
  error: string,
  description: string,
  branding: Branding,
  signOut = false,
): string {
  return shell(
    branding,
    'Cannot sign in',
    `    <h1>This sign-in link does not work</h1>
    <p id="notice" class="error" role="alert">${escapeHtml(description)}</p>
    <p class="hint">Error code: <code>${escapeHtml(error)}</code>. Go back to the app and try again; if it keeps happening, tell its developers.</p>`,
    signOut,
  );
}

/**
 * The page after a logout with no registered place to return to. `otherAccount`: the app's
 * session ended, but this browser is signed in to another account, which stays signed in.
 */
export function renderSignedOutPage(branding: Branding, otherAccount = false): string {
  return shell(
    branding,
    'Signed out',
    otherAccount
      ? `    <h1>The app's session is over</h1>
    <p>This browser is signed in to another account, which stays signed in.</p>`
      : `    <h1>You are signed out</h1>
    <p><a href="/">Sign in again</a></p>`,
  );
}

/** Asks the user to confirm a logout that came without an ID token naming the session. */
export function renderLogoutConfirmPage(
  parameters: Readonly<Record<string, string | undefined>>,
  branding: Branding,
): string {
  const hidden = (['client_id', 'post_logout_redirect_uri', 'state'] as const)
    .filter((name) => parameters[name] !== undefined)
    .map(
      (name) =>
        `      <input type="hidden" name="${name}" value="${escapeHtml(parameters[name] as string)}">`,
    )
    .join('\n');
  return shell(
    branding,
    'Sign out',
    `    <h1>Sign out?</h1>
    <p>An app asked to sign you out of this device.</p>
    <form method="post" action="/end-session">
${hidden}
      <input type="hidden" name="confirm" value="yes">
      <div class="buttons"><button type="submit">Sign out</button></div>
    </form>`,
  );
}
