// The account-recovery pages: forgot password, reset (from the link), verify (from the link), and
// the two links of an email change (confirm, from the new address; undo, from the old one). No
// inline script (the server sends a strict Content-Security-Policy); answers are written with
// textContent. A link's token arrives in the fragment (#token=...), which browsers never send to a
// server; it is taken out of the address bar at once, so it is not left in the history.

import { refreshHeader, signOut } from './session.js';

const $ = (selector) => document.querySelector(selector);
const notice = $('#notice');

function say(text, isError = false) {
  notice.textContent = text;
  notice.className = isError ? 'error' : '';
}

const token = new URLSearchParams(location.hash.slice(1)).get('token');
if (location.hash !== '') history.replaceState(null, '', location.pathname);

function explain(status, body) {
  if (status === 0) return 'The server cannot be reached. Check your connection and try again.';
  if (status === 429) return 'Too many requests. Wait a little and try again.';
  const messages = {
    invalid_link: 'This link is invalid, expired or already used. Ask for a new one.',
    email_taken:
      'Another account uses this address now, so nothing was changed. Sign in to your account to choose another one.',
    invalid_password: 'Passwords must be 8 to 256 characters.',
    invalid_request: 'Please check the form: something is missing or malformed.',
    temporarily_unavailable: 'The service is temporarily unavailable. Try again in a moment.',
  };
  return messages[body?.error] ?? `Something went wrong (${status}).`;
}

async function post(path, payload) {
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, body };
  } catch {
    return { ok: false, status: 0, body: null };
  }
}

/** Runs a form's action once at a time, with its button disabled meanwhile. */
function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await action(new FormData(form));
    } finally {
      button.disabled = false;
    }
  });
}

const pages = {
  '/forgot-password': 'page-forgot',
  '/reset-password': 'page-reset',
  '/verify-email': 'page-verify',
  '/confirm-email': 'page-confirm-email',
  '/undo-email-change': 'page-undo-email',
};
const section = document.getElementById(pages[location.pathname] ?? 'page-forgot');
section.hidden = false;
section.querySelector('h1').focus?.();

const SENT =
  'If an account uses this address, a message with a link is on its way. Check your inbox (and spam folder).';

onSubmit($('#forgot-form'), async (data) => {
  const { ok, status, body } = await post('/v1/password/forgot', { email: data.get('email') });
  if (ok) say(SENT);
  else say(explain(status, body), true);
});

onSubmit($('#reset-form'), async (data) => {
  if (token === null)
    return say('This page needs the link from the message. Ask for a new one.', true);
  const { ok, status, body } = await post('/v1/password/reset', {
    token,
    new_password: data.get('password'),
  });
  if (!ok) return say(explain(status, body), true);
  $('#reset-form').hidden = true;
  notice.textContent = 'Your password is changed and every device was signed out. ';
  notice.className = '';
  const link = document.createElement('a');
  link.href = '/';
  link.textContent = 'Sign in with the new password';
  notice.append(link);
});

onSubmit($('#verify-form'), async () => {
  if (token === null)
    return say('This page needs the link from the message. Ask for a new one below.', true);
  const { ok, status, body } = await post('/v1/email/verify', { token });
  if (!ok) return say(explain(status, body), true);
  $('#verify-form').hidden = true;
  say('Your email address is confirmed. You can sign in.');
});

onSubmit($('#resend-form'), async (data) => {
  const { ok, status, body } = await post('/v1/email/verification', { email: data.get('email') });
  if (ok) say(SENT);
  else say(explain(status, body), true);
});

onSubmit($('#confirm-email-form'), async () => {
  if (token === null)
    return say('This page needs the link from the message. Ask for the change again.', true);
  const { ok, status, body } = await post('/v1/email/change/confirm', { token });
  if (!ok) return say(explain(status, body), true);
  $('#confirm-email-form').hidden = true;
  say('Your account now uses this address. Sign in with it from now on.');
  refreshHeader();
});

onSubmit($('#undo-email-form'), async (data) => {
  if (token === null) return say('This page needs the link from the message.', true);
  const password = String(data.get('password') ?? '');
  const { ok, status, body } = await post(
    '/v1/email/change/undo',
    password === '' ? { token } : { token, new_password: password },
  );
  // The only request error of an empty password: it was reset since the change was asked for.
  if (!ok && password === '' && body?.error === 'invalid_request')
    return say(
      'The password was changed after the email change was asked for. Choose a new password above to undo it.',
      true,
    );
  if (!ok) return say(explain(status, body), true);
  $('#undo-email-form').hidden = true;
  refreshHeader();
  notice.textContent =
    password === ''
      ? 'The change is undone and every device was signed out. If you did not ask for it, choose a new password now: '
      : 'The change is undone, your password is replaced and every device was signed out. ';
  notice.className = '';
  const link = document.createElement('a');
  link.href = password === '' ? '/forgot-password' : '/';
  link.textContent = password === '' ? 'Reset your password' : 'Sign in';
  notice.append(link);
});

// The header: who is signed in, and signing out from here too.
refreshHeader();
$('#sign-out').addEventListener('click', async () => {
  const { ok, status, body } = await signOut(false);
  if (ok) say('Signed out.');
  else say(explain(status, body), true);
});
