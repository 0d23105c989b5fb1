/**
 * The messages Gatehouse sends, in plain text and HTML. Every value put into the HTML (the
 * issuer's name, the link) is escaped: the issuer name is configuration, the link carries a
 * token, and neither may become markup. Pure: no I/O.
 */

/** One message as the outbox stores it and a transport sends it. */
export interface MailMessage {
  /** Random id: the outbox row and the .eml file name. */
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * What a message is for. `reset_unknown` answers a reset asked for an address without an
 * account: the request did the same work and the inbox's owner learns why nothing else came.
 */
export type MailKind =
  | 'verify_email'
  | 'reset_password'
  | 'reset_unknown'
  /** To the new address of an email change: the link that confirms it. */
  | 'change_email'
  /** To the old address of an email change: what is happening, and the link that undoes it. */
  | 'change_email_notice'
  /** To a new address another account already has: nothing changes (no link). */
  | 'change_email_taken';

export interface MailContent {
  /** The issuer's name as users know it: the host of GATEHOUSE_ISSUER. */
  readonly serviceName: string;
  /** The single-use link (it holds the token: never logged); null for a notice. */
  readonly link: string | null;
  /** How long the link works, in minutes. */
  readonly validMinutes: number;
  /** One more sentence after the lead (the new address, in an email-change notice); escaped. */
  readonly detail?: string;
  /** The product's look (GATEHOUSE_LOGO, _ACCENT_COLOR, _SUPPORT_URL); absent: plain. */
  readonly brand?: MailBrand;
}

/**
 * How messages show the product, precomputed by the server from its branding: the colours are
 * already checked for contrast, the logo URL is absolute (a message has no base URL).
 */
export interface MailBrand {
  /** An absolute http(s) URL of the logo; null: none. */
  readonly logoUrl: string | null;
  /** `#rrggbb` fill of the link's button. */
  readonly buttonColor: string;
  /** `#rrggbb` text on that fill. */
  readonly buttonTextColor: string;
  /** Where users get help (http(s) or mailto:); null: no line. */
  readonly supportUrl: string | null;
}

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** "30 minutes", "1 hour", "2 days": the link's lifetime in words. */
function lifetime(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

const WORDING: Readonly<
  Record<MailKind, { subject: string; lead: string; action: string; ignore: string }>
> = {
  reset_unknown: {
    subject: 'Password reset requested',
    lead: 'Someone, probably you, asked to reset a password for this address, but no account uses it.',
    action: '',
    ignore:
      'If you have an account, it is under another address: ask again with that one. If it was not you, ignore this message.',
  },
  verify_email: {
    subject: 'Confirm your email address',
    lead: 'Someone, probably you, created an account with this address.',
    action: 'Confirm the address',
    ignore: 'If it was not you, ignore this message: the account stays unconfirmed.',
  },
  change_email: {
    subject: 'Confirm your new email address',
    lead: 'Someone, probably you, asked to move an account to this address.',
    action: 'Confirm the new address',
    ignore: 'If it was not you, ignore this message: nothing changes. The link works once.',
  },
  change_email_notice: {
    subject: 'Your email address is being changed',
    lead: 'Someone signed in to the account with this address asked to move it to another address.',
    action: 'Undo the change, keep this address and sign out every device',
    ignore:
      'If it was you, nothing to do. If it was not you, follow the link, then choose a new password: whoever asked knows your current one.',
  },
  change_email_taken: {
    subject: 'Email change requested',
    lead: 'Someone, probably you, asked to move an account to this address, but another account already uses it.',
    action: '',
    ignore:
      'Nothing changes. If you want to use this address, sign in to the account that has it. If it was not you, ignore this message.',
  },
  reset_password: {
    subject: 'Reset your password',
    lead: 'Someone, probably you, asked to reset the password of the account with this address.',
    action: 'Choose a new password',
    ignore:
      'If it was not you, ignore this message: your password stays as it is. The link works once.',
  },
};

/**
 * Builds the subject, text and HTML of a message.
 *
 * @example
 * const { subject, text, html } = renderMail('reset_password', { serviceName: 'auth.example.com', link, validMinutes: 30 });
 */
export function renderMail(
  kind: MailKind,
  content: MailContent,
): { subject: string; text: string; html: string } {
  const words = WORDING[kind];
  const subject = `${words.subject} (${content.serviceName})`;
  const valid =
    content.link === null ? '' : `The link works for ${lifetime(content.validMinutes)}. `;
  const brand = content.brand;
  const support = brand?.supportUrl ?? null;
  const text = [
    `${content.serviceName}`,
    '',
    words.lead,
    ...(content.detail === undefined ? [] : [content.detail]),
    ...(content.link === null ? [] : [`${words.action}: ${content.link}`]),
    '',
    `${valid}${words.ignore}`,
    '',
    ...(support === null ? [] : [`Need help? ${support.replace(/^mailto:/i, '')}`, '']),
  ].join('\n');
  const name = escapeHtml(content.serviceName);
  const link = content.link === null ? null : escapeHtml(content.link);
  // Mail clients drop style sheets: the brand goes into style attributes, from checked colours only.
  const colors =
    brand !== undefined &&
    HEX_COLOR.test(brand.buttonColor) &&
    HEX_COLOR.test(brand.buttonTextColor)
      ? ` style="display:inline-block;padding:10px 18px;border-radius:6px;background:${brand.buttonColor};color:${brand.buttonTextColor};text-decoration:none;font-weight:600"`
      : '';
  const logo =
    brand?.logoUrl === null || brand?.logoUrl === undefined
      ? ''
      : `<img src="${escapeHtml(brand.logoUrl)}" alt="" height="32" style="vertical-align:middle;margin-right:8px">`;
  const html = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body>',
    `<p>${logo}<strong>${name}</strong></p>`,
    `<p>${escapeHtml(words.lead)}</p>`,
    ...(content.detail === undefined ? [] : [`<p>${escapeHtml(content.detail)}</p>`]),
    ...(link === null
      ? []
      : [
          `<p><a href="${link}"${colors}>${escapeHtml(words.action)}</a></p>`,
          `<p>Or paste this address into your browser: ${link}</p>`,
        ]),
    `<p>${escapeHtml(`${valid}${words.ignore}`)}</p>`,
    ...(support === null
      ? []
      : [
          `<p>Need help? <a href="${escapeHtml(support)}">${escapeHtml(support.replace(/^mailto:/i, ''))}</a></p>`,
        ]),
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}
