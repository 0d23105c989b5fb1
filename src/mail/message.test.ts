import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMail } from './message.js';

describe('renderMail', () => {
  const link = 'https://auth.example.com/reset-password#token=abc.def';

  it('names the service and the lifetime, and carries the link in both parts', () => {
    const mail = renderMail('reset_password', {
      serviceName: 'auth.example.com',
      link,
      validMinutes: 30,
    });
    expect(mail.subject).toBe('Reset your password (auth.example.com)');
    expect(mail.text).toContain(`Choose a new password: ${link}`);
    expect(mail.text).toContain('The link works for 30 minutes.');
    expect(mail.html).toContain(`<a href="${link}">Choose a new password</a>`);
    expect(
      renderMail('verify_email', { serviceName: 'x', link, validMinutes: 2880 }).text,
    ).toContain('The link works for 2 days.');
    expect(renderMail('verify_email', { serviceName: 'x', link, validMinutes: 60 }).text).toContain(
      'The link works for 1 hour.',
    );
  });

  it('escapes every value put into the HTML: a hostile service name or link stays text', () => {
    const mail = renderMail('verify_email', {
      serviceName: '<img src=x onerror=alert(1)>',
      link: 'https://a.example/"><script>alert(1)</script>',
      validMinutes: 60,
    });
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('href="https://a.example/&quot;&gt;&lt;script&gt;');
  });

  it('a notice (no account has the address) carries no link', () => {
    const mail = renderMail('reset_unknown', { serviceName: 's', link: null, validMinutes: 30 });
    expect(mail.text).toContain('no account uses it');
    expect(mail.html).not.toContain('<a ');
    expect(mail.text).not.toContain('The link works');
  });

  it('an email-change notice carries its detail (escaped) and the undo link', () => {
    const undo = 'https://auth.example.com/undo-email-change#token=abc.def';
    const mail = renderMail('change_email_notice', {
      serviceName: 's',
      link: undo,
      validMinutes: 7 * 1440,
      detail: 'The new address would be <b>x@example.com</b>.',
    });
    expect(mail.subject).toBe('Your email address is being changed (s)');
    expect(mail.text).toContain('The new address would be <b>x@example.com</b>.');
    expect(mail.html).toContain(
      '<p>The new address would be &lt;b&gt;x@example.com&lt;/b&gt;.</p>',
    );
    expect(mail.html).toContain(`<a href="${undo}">`);
    expect(mail.text).toContain('The link works for 7 days.');
    const taken = renderMail('change_email_taken', {
      serviceName: 's',
      link: null,
      validMinutes: 60,
    });
    expect(taken.html).not.toContain('<a ');
    expect(taken.text).toContain('another account already uses it');
  });

  it('a brand: the logo, a button in its colours, the support line; every value escaped', () => {
    const mail = renderMail('verify_email', {
      serviceName: 'Acme Cloud',
      link,
      validMinutes: 60,
      brand: {
        logoUrl: 'https://auth.acme.example/assets/logo?"x',
        buttonColor: '#c2185b',
        buttonTextColor: '#ffffff',
        supportUrl: 'mailto:help@acme.example',
      },
    });
    expect(mail.subject).toBe('Confirm your email address (Acme Cloud)');
    expect(mail.html).toContain('<img src="https://auth.acme.example/assets/logo?&quot;x" alt=""');
    expect(mail.html).toContain('background:#c2185b;color:#ffffff');
    expect(mail.html).toContain('<a href="mailto:help@acme.example">help@acme.example</a>');
    expect(mail.text).toContain('Need help? help@acme.example');
    // A colour that is not #rrggbb never reaches a style attribute.
    const hostile = renderMail('verify_email', {
      serviceName: 's',
      link,
      validMinutes: 60,
      brand: {
        logoUrl: null,
        buttonColor: 'red;background:url(https://evil.example/)',
        buttonTextColor: '#ffffff',
        supportUrl: null,
      },
    });
    expect(hostile.html).not.toContain('style=');
    expect(hostile.html).not.toContain('evil');
  });

  it('escapeHtml covers the five characters that matter in elements and attributes', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
