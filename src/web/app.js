// The Gatehouse pages: home (sign in, or who is signed in), account, and the developer tools
// (sign-in mode, token inspector). One document, four routes (/, /account, /inspect, /developer),
// so an in-memory client keeps its tokens while the user moves between them. No inline script
// (the server sends a strict Content-Security-Policy); every value from the server or a token is
// written with textContent, never as HTML.

import { setupInspector } from './inspect.js';
import {
  api,
  auth,
  chooseSignInMode,
  configuredMode,
  currentUser,
  signOut as endSession,
  mode,
  productName,
  showSignedIn,
  signInMode,
} from './session.js';

const $ = (selector) => document.querySelector(selector);
const notice = $('#notice');

function say(text, isError = false) {
  notice.textContent = text;
  notice.className = isError ? 'error' : '';
}

let lastRefresh = null;
auth.onChange((event) => {
  if (event === 'refreshed') {
    lastRefresh = new Date();
    showTokenState();
  }
  if (event === 'signed_out' && mode() === 'token') {
    sessionStorage.removeItem('gatehouse.mode');
    showSignedIn(null);
    navigate('/');
    say('Your session ended. Sign in again.');
  }
});

function explain(status, body) {
  if (status === 0) return 'The server cannot be reached. Check your connection and try again.';
  if (status === 429) return 'Too many attempts. Wait a little and try again.';
  const messages = {
    invalid_grant: 'Wrong email or password.',
    invalid_credentials: 'Wrong email or password.',
    email_taken: 'An account with this email already exists. Sign in instead.',
    email_not_verified:
      'Confirm your email address first: follow the link we sent you, or ask for a new one on the Verify email page (/verify-email).',
    account_disabled: 'This account is disabled. Ask the operator of this service.',
    invalid_password: 'Passwords must be 8 to 256 characters.',
    invalid_request: 'Please check the form: something is missing or malformed.',
    temporarily_unavailable: 'The service is temporarily unavailable. Try again in a moment.',
    csrf_rejected: 'This request came from another site and was refused.',
  };
  return messages[body?.error] ?? `Something went wrong (${status}).`;
}

async function call(path, init) {
  try {
    const response = await api(path, init);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? null : JSON.parse(text),
    };
  } catch {
    return { status: 0, headers: new Headers(), body: null };
  }
}

const json = (body) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

// --- home: sign in / sign up, or who is signed in -----------------------------------------------
/** Signs in the way this tab does (signInMode); then the account page. */
async function signIn(email, password) {
  const chosen = signInMode();
  if (chosen === 'token') {
    try {
      await auth.login(email, password);
    } catch (error) {
      const wait =
        error.status === 429 && error.retryAfterSeconds
          ? ` Try again in ${error.retryAfterSeconds} s.`
          : '';
      return say(explain(error.status, { error: error.error }) + wait, true);
    }
  } else {
    const response = await call('/v1/session', { method: 'POST', ...json({ email, password }) });
    if (response.status !== 204) {
      const retry = response.headers.get('retry-after');
      return say(
        explain(response.status, response.body) + (retry ? ` Try again in ${retry} s.` : ''),
        true,
      );
    }
  }
  sessionStorage.setItem('gatehouse.mode', chosen);
  say('');
  navigate('/account');
}

$('#auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  await signIn(String(form.get('email')), String(form.get('password')));
});

$('#signup-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const email = String(form.get('email'));
  const password = String(form.get('password'));
  const created = await call('/v1/signup', { method: 'POST', ...json({ email, password }) });
  if (created.status !== 201) return say(explain(created.status, created.body), true);
  await signIn(email, password);
});

/** The home page: the sign-in form, or (signed in) who is and the way to the account. */
async function showHome() {
  const user = await currentUser();
  showSignedIn(user);
  $('#home-signed-in').hidden = user === null;
  $('#home-signed-out').hidden = user !== null;
  if (user !== null) $('#home-who').textContent = `Signed in as ${user.email}`;
}

// --- account ------------------------------------------------------------------------------------
/** "Chrome on Linux" from a user agent; the raw string when it says nothing we know. */
function deviceName(userAgent) {
  if (!userAgent) return 'unknown device';
  const browser = /(Edg|Firefox|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[1];
  const os = /(Windows|Android|iPhone|iPad|Mac OS X|Linux)/.exec(userAgent)?.[1];
  if (browser === undefined) return userAgent.slice(0, 60);
  const name = { Edg: 'Edge', Firefox: 'Firefox', Chrome: 'Chrome', Safari: 'Safari' }[browser];
  return os === undefined ? name : `${name} on ${os === 'Mac OS X' ? 'macOS' : os}`;
}

function showTokenState() {
  const state = $('#token-state');
  if (mode() !== 'token') {
    state.textContent = 'Signed in with a session cookie.';
    return;
  }
  state.textContent =
    lastRefresh === null
      ? 'Signed in with access + refresh tokens.'
      : `Signed in with tokens; access token last refreshed at ${lastRefresh.toLocaleTimeString()}.`;
}

async function showAccount() {
  const me = await call('/v1/me');
  if (me.status !== 200) {
    say(
      me.status === 401 ? 'You are not signed in.' : explain(me.status, me.body),
      me.status !== 401,
    );
    return navigate('/');
  }
  $('#who').textContent = `Signed in as ${me.body.email}`;
  $('#password-username').value = me.body.email;
  showSignedIn(me.body);
  showTokenState();
  const list = await call('/v1/sessions');
  const body = $('#sessions');
  body.replaceChildren();
  for (const session of list.body?.sessions ?? []) {
    const row = document.createElement('tr');
    row.dataset.sessionId = session.id;
    const device = document.createElement('td');
    device.dataset.label = 'Device';
    device.textContent = `${deviceName(session.user_agent)}${session.kind === 'cookie' ? ' (cookie)' : ' (tokens)'}`;
    device.title = session.user_agent ?? '';
    if (session.current) {
      const mark = document.createElement('span');
      mark.className = 'current';
      mark.textContent = ' · this session';
      device.append(mark);
    }
    const cells = [device];
    // data-label: the column's name, shown beside the value when the rows become cards (app.css).
    for (const [label, text] of [
      ['IP', session.ip ?? ''],
      ['Created', new Date(session.created_at).toLocaleString()],
      ['Last used', new Date(session.last_used_at).toLocaleString()],
    ]) {
      const cell = document.createElement('td');
      cell.dataset.label = label;
      cell.textContent = text;
      cells.push(cell);
    }
    const action = document.createElement('td');
    if (!session.current) {
      const end = document.createElement('button');
      end.type = 'button';
      end.className = 'secondary';
      end.textContent = 'End this session';
      end.addEventListener('click', async () => {
        const result = await call(`/v1/sessions/${encodeURIComponent(session.id)}`, {
          method: 'DELETE',
        });
        if (result.status === 204) {
          row.remove();
          say('Session ended.');
        } else say(explain(result.status, result.body), true);
      });
      action.append(end);
    }
    cells.push(action);
    row.append(...cells);
    body.append(row);
  }
}

async function signOut(everywhere) {
  const response = await endSession(everywhere);
  if (!response.ok) return say(explain(response.status, response.body), true);
  say(everywhere ? 'Signed out everywhere.' : 'Signed out.');
  navigate('/');
}
$('#sign-out').addEventListener('click', () => signOut(false));
$('#sign-out-everywhere').addEventListener('click', () => signOut(true));

$('#password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const result = await call('/v1/password', {
    method: 'POST',
    ...json({ current_password: form.get('current'), new_password: form.get('next') }),
  });
  if (result.status === 204) {
    event.target.reset();
    say('Password changed. Your other sessions were signed out.');
    showAccount();
  } else
    say(
      result.status === 401
        ? 'The current password is wrong.'
        : explain(result.status, result.body),
      true,
    );
});

$('#email-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const result = await call('/v1/email/change', {
    method: 'POST',
    ...json({ new_email: form.get('email'), password: form.get('password') }),
  });
  if (result.status === 202) {
    event.target.reset();
    say(
      'Check the inbox of the new address and follow the link there. Until then your address stays as it is.',
    );
  } else
    say(
      result.status === 401 ? 'The password is wrong.' : explain(result.status, result.body),
      true,
    );
});

$('#delete-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const result = await call('/v1/me', {
    method: 'DELETE',
    ...json({ password: form.get('password') }),
  });
  if (result.status !== 204)
    return say(
      result.status === 401 ? 'The password is wrong.' : explain(result.status, result.body),
      true,
    );
  event.target.reset();
  if (mode() === 'token') await auth.logout().catch(() => {});
  sessionStorage.removeItem('gatehouse.mode');
  showSignedIn(null);
  navigate('/');
  say('Your account is deleted and every device was signed out.');
});

// --- developer tools ----------------------------------------------------------------------------
const MODE_NAMES = { cookie: 'a session cookie', token: 'access + refresh tokens' };

function showDeveloper() {
  for (const radio of document.querySelectorAll('#developer-form input[name="mode"]'))
    radio.checked = radio.value === signInMode();
  $('#developer-mode').textContent =
    `The server's setting (GATEHOUSE_WEB_SIGN_IN) is ${MODE_NAMES[configuredMode]}; a choice here lasts for this tab.`;
}
for (const radio of document.querySelectorAll('#developer-form input[name="mode"]')) {
  radio.addEventListener('change', () => {
    if (!radio.checked) return;
    chooseSignInMode(radio.value);
    say(`This tab now signs in with ${MODE_NAMES[radio.value]}.`);
  });
}

// --- routing ------------------------------------------------------------------------------------
const pages = {
  '/': '#page-home',
  '/account': '#page-account',
  '/inspect': '#page-inspect',
  '/developer': '#page-developer',
};

function render() {
  const path = pages[location.pathname] ? location.pathname : '/';
  for (const [route, selector] of Object.entries(pages)) $(selector).hidden = route !== path;
  for (const link of document.querySelectorAll('a[data-route]')) {
    if (link.getAttribute('href') === path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const title = {
    '/': 'Sign in',
    '/account': 'Account',
    '/inspect': 'Token inspector',
    '/developer': 'Developer tools',
  }[path];
  document.title = `${title} · ${productName}`;
  if (path === '/account') showAccount();
  else if (path === '/') showHome();
  else {
    if (path === '/developer') showDeveloper();
    currentUser().then(showSignedIn);
  }
}

function navigate(path) {
  if (location.pathname !== path) history.pushState(null, '', path);
  render();
}

for (const link of document.querySelectorAll('a[data-route]')) {
  link.addEventListener('click', (event) => {
    event.preventDefault();
    say('');
    navigate(link.getAttribute('href'));
  });
}
addEventListener('popstate', render);
setupInspector();
render();
// Exposed for tests and the curious: no secrets here, the client holds the tokens.
window.gatehouse = { auth, refreshAccount: showAccount };
