/**
 * The adopter's brand on every page: the header's name and logo, the footer's support link, the
 * favicon, and the accent colour as CSS custom properties for light and dark (prefers-color-scheme),
 * adjusted until text on it and links in it reach WCAG 2.x AA contrast (4.5:1), whatever colour
 * was configured. Pure: the configuration in, text out; every configured value is HTML-escaped.
 */
import type { MailBrand } from '../../mail/index.js';
import type { Branding } from '../config.js';

/** The name pages show when GATEHOUSE_PRODUCT_NAME is unset. */
export const DEFAULT_PRODUCT_NAME = 'Gatehouse';

/** The backgrounds of app.css, light and dark: the contrast of the accent is measured on these. */
export const LIGHT_BACKGROUND = '#ffffff';
export const DARK_BACKGROUND = '#17191c';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML (or SVG) content and double-quoted attributes. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** The product's name as pages show it. */
export const productNameOf = (branding: Branding): string =>
  branding.productName ?? DEFAULT_PRODUCT_NAME;

type Rgb = readonly [number, number, number];

const toRgb = (hex: string): Rgb => [
  Number.parseInt(hex.slice(1, 3), 16),
  Number.parseInt(hex.slice(3, 5), 16),
  Number.parseInt(hex.slice(5, 7), 16),
];

const toHex = (rgb: readonly number[]): string =>
  `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

/** Relative luminance, WCAG 2.x (sRGB channels linearised). */
function luminance(hex: string): number {
  const [r, g, b] = toRgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The WCAG 2.x contrast ratio of two `#rrggbb` colours, from 1 to 21.
 *
 * @example
 * contrastRatio('#ffffff', '#000000'); // 21
 */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The colour itself when it reaches `minimum` against `background`, else the nearest mix of it
 * with black (on a light background) or white (on a dark one) that does: the hue stays, the
 * lightness moves just enough.
 *
 * @example
 * ensureContrast('#ffcc00', '#ffffff', 4.5); // a dark amber
 */
export function ensureContrast(color: string, background: string, minimum: number): string {
  if (contrastRatio(color, background) >= minimum) return color;
  const toward: Rgb = luminance(background) > 0.18 ? [0, 0, 0] : [255, 255, 255];
  const from = toRgb(color);
  for (let step = 1; step <= 100; step++) {
    const t = step / 100;
    const mixed = toHex(from.map((c, i) => c + ((toward[i] as number) - c) * t));
    if (contrastRatio(mixed, background) >= minimum) return mixed;
  }
  return toHex(toward);
}

/** A button's fill and its text: the accent with white or near-black text, whichever reads. */
function buttonColors(accent: string): { fill: string; text: string } {
  const white = contrastRatio(accent, '#ffffff');
  const black = contrastRatio(accent, '#111111');
  if (white >= 4.5) return { fill: accent, text: '#ffffff' };
  if (black >= 4.5) return { fill: accent, text: '#111111' };
  return { fill: ensureContrast(accent, '#ffffff', 4.5), text: '#ffffff' };
}

/**
 * /assets/brand.css: the accent as custom properties for app.css, for light and for dark.
 * `--accent` fills buttons, `--on-accent` is their text, `--accent-text` colours links, secondary
 * buttons and focus rings on the page's background.
 */
export function renderBrandCss(branding: Branding): string {
  const block = (background: string) => {
    const link = ensureContrast(branding.accentColor, background, 4.5);
    // On a dark page the button takes the lightened accent: a dark fill would vanish.
    const button = buttonColors(background === LIGHT_BACKGROUND ? branding.accentColor : link);
    return `  --accent: ${button.fill};\n  --on-accent: ${button.text};\n  --accent-text: ${link};\n`;
  };
  return [
    '/* Generated from GATEHOUSE_ACCENT_COLOR (server/pages/branding.ts). */',
    `:root {\n${block(LIGHT_BACKGROUND)}}`,
    `@media (prefers-color-scheme: dark) {\n  :root {\n${block(DARK_BACKGROUND).replace(/^/gm, '  ')}  }\n}`,
    '',
  ].join('\n');
}

/** The favicon when no logo file is configured: the name's first letter on the accent. */
export function renderFaviconSvg(branding: Branding): string {
  const { fill, text } = buttonColors(branding.accentColor);
  const letter = escapeHtml([...productNameOf(branding).trim()][0]?.toUpperCase() ?? 'G');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${fill}"/><text x="32" y="45" font-family="system-ui, sans-serif" font-size="38" font-weight="700" text-anchor="middle" fill="${text}">${letter}</text></svg>\n`;
}

/** Where pages load the logo from: the configured URL, or /assets/logo for a file; null: none. */
export function logoSource(branding: Branding): string | null {
  if (branding.logo === null) return null;
  return branding.logo.kind === 'url' ? branding.logo.url : '/assets/logo';
}

/** The img-src of a page's CSP: this origin, data: URLs, and the logo's origin when it is a URL. */
export function imageSources(branding: Branding): string {
  const logo = branding.logo?.kind === 'url' ? ` ${new URL(branding.logo.url).origin}` : '';
  return `'self' data:${logo}`;
}

/** Where the favicon is: the logo file itself, or the generated letter. */
export const faviconPath = (branding: Branding): string =>
  branding.logo?.kind === 'file' ? '/assets/logo' : '/assets/favicon.svg';

/**
 * The `<head>` lines every page shares after its title: the name for scripts
 * (`application-name`), the favicon, app.css and brand.css.
 */
export function renderHeadLinks(branding: Branding): string {
  const icon = faviconPath(branding);
  const type = branding.logo?.kind === 'file' ? branding.logo.contentType : 'image/svg+xml';
  return [
    `<meta name="application-name" content="${escapeHtml(productNameOf(branding))}">`,
    `<link rel="icon" href="${icon}" type="${type}">`,
    '<link rel="stylesheet" href="/assets/app.css">',
    '<link rel="stylesheet" href="/assets/brand.css">',
  ].join('\n  ');
}

/**
 * The brand in the header, inside its home link: the logo (decorative: the name follows) and
 * the name.
 */
export function renderBrandMark(branding: Branding): string {
  const logo = logoSource(branding);
  const image =
    logo === null
      ? ''
      : `<img class="logo" src="${escapeHtml(logo)}" alt="" width="32" height="32">`;
  return `${image}<span class="brand-name">${escapeHtml(productNameOf(branding))}</span>`;
}

/** The footer: the support link when one is configured, else nothing. */
export function renderFooter(branding: Branding): string {
  if (branding.supportUrl === null) return '';
  return `<footer class="site">
    <p>Need help? <a href="${escapeHtml(branding.supportUrl)}" rel="noopener">Contact ${escapeHtml(productNameOf(branding))} support</a></p>
  </footer>`;
}

/**
 * Fills a page's placeholders: `{{product}}` (the name, escaped), `{{head}}`, `{{brand}}` and
 * `{{footer}}`. Done once at start: the pages are then constant bytes.
 */
export function applyBranding(html: string, branding: Branding): string {
  const parts: Readonly<Record<string, string>> = {
    product: escapeHtml(productNameOf(branding)),
    head: renderHeadLinks(branding),
    brand: renderBrandMark(branding),
    footer: renderFooter(branding),
  };
  return html.replace(/\{\{(product|head|brand|footer)\}\}/g, (_, key: string) => parts[key] ?? '');
}

/**
 * The brand as messages show it: the button's colours checked for contrast on white (mail is read
 * in light and dark clients alike; a filled button reads on both), the logo as an absolute URL.
 *
 * @example
 * renderMail('verify_email', { serviceName, link, validMinutes, brand: mailBrandOf(config.branding, config.issuer) });
 */
export function mailBrandOf(branding: Branding, issuer: string): MailBrand {
  const { fill, text } = buttonColors(branding.accentColor);
  const logo = logoSource(branding);
  return {
    // A file logo is served beside the pages, whose links the messages build the same way.
    logoUrl: logo === null ? null : branding.logo?.kind === 'url' ? logo : `${issuer}${logo}`,
    buttonColor: fill,
    buttonTextColor: text,
    supportUrl: branding.supportUrl,
  };
}
