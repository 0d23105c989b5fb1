import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Branding } from '../config.js';
import {
  applyBranding,
  contrastRatio,
  DARK_BACKGROUND,
  ensureContrast,
  imageSources,
  LIGHT_BACKGROUND,
  mailBrandOf,
  renderBrandCss,
  renderFaviconSvg,
} from './branding.js';

const PLAIN: Branding = { productName: null, logo: null, accentColor: '#0b57d0', supportUrl: null };

/** The custom properties of brand.css, light (first block) and dark (the media block). */
function propertiesOf(css: string): {
  light: Record<string, string>;
  dark: Record<string, string>;
} {
  const read = (block: string) =>
    Object.fromEntries(
      [...block.matchAll(/(--[a-z-]+): (#[0-9a-f]{6});/g)].map((m) => [m[1], m[2]]),
    );
  const dark = css.indexOf('@media (prefers-color-scheme: dark)');
  return { light: read(css.slice(0, dark)), dark: read(css.slice(dark)) };
}

describe('contrast (WCAG 2.x)', () => {
  it('known answers: black on white 21, equal colours 1, #767676 on white just above 4.5', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#0b57d0', '#0b57d0')).toBe(1);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('a colour that reads stays as it is; one that does not moves just far enough', () => {
    expect(ensureContrast('#0b57d0', LIGHT_BACKGROUND, 4.5)).toBe('#0b57d0');
    const amber = ensureContrast('#ffcc00', LIGHT_BACKGROUND, 4.5);
    expect(contrastRatio(amber, LIGHT_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(amber, LIGHT_BACKGROUND)).toBeLessThan(5);
  });

  it('brand.css reaches 4.5:1 for links and button text, light and dark, for any accent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const accentColor = `#${n.toString(16).padStart(6, '0')}`;
        const { light, dark } = propertiesOf(renderBrandCss({ ...PLAIN, accentColor }));
        for (const [block, background] of [
          [light, LIGHT_BACKGROUND],
          [dark, DARK_BACKGROUND],
        ] as const) {
          const accent = block['--accent'] as string;
          expect(
            contrastRatio(block['--accent-text'] as string, background),
          ).toBeGreaterThanOrEqual(4.5);
          expect(contrastRatio(block['--on-accent'] as string, accent)).toBeGreaterThanOrEqual(4.5);
        }
        // The configured colour itself fills the buttons when white or dark text reads on it.
        if (
          Math.max(contrastRatio(accentColor, '#ffffff'), contrastRatio(accentColor, '#111111')) >=
          4.5
        )
          expect(light['--accent']).toBe(accentColor);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the branded page parts', () => {
  const acme: Branding = {
    productName: 'Acme "Cloud" <b>',
    logo: { kind: 'url', url: 'https://cdn.acme.example/logo.svg' },
    accentColor: '#c2185b',
    supportUrl: 'https://help.acme.example/?a=1&b=2',
  };

  it('fills every placeholder, escaping the configured text', () => {
    const html = applyBranding(
      '<title>{{product}}</title>{{head}}<a class="brand">{{brand}}</a>{{footer}}',
      acme,
    );
    expect(html).not.toMatch(/\{\{/);
    expect(html).toContain('<title>Acme &quot;Cloud&quot; &lt;b&gt;</title>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<img class="logo" src="https://cdn.acme.example/logo.svg" alt=""');
    expect(html).toContain('href="https://help.acme.example/?a=1&amp;b=2"');
    expect(html).toContain('<link rel="stylesheet" href="/assets/brand.css">');
    expect(html).toContain('<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">');
  });

  it('unbranded: the name Gatehouse, no logo, no footer', () => {
    const html = applyBranding('{{product}}|{{brand}}|{{footer}}', PLAIN);
    expect(html).toBe('Gatehouse|<span class="brand-name">Gatehouse</span>|');
  });

  it("the CSP's images: this origin and data:, plus a logo URL's origin only", () => {
    expect(imageSources(PLAIN)).toBe("'self' data:");
    expect(imageSources(acme)).toBe("'self' data: https://cdn.acme.example");
    expect(
      imageSources({ ...PLAIN, logo: { kind: 'file', path: 'l.png', contentType: 'image/png' } }),
    ).toBe("'self' data:");
  });

  it('the favicon: the first letter, escaped, on the accent', () => {
    const svg = renderFaviconSvg({ ...PLAIN, productName: '<acme>', accentColor: '#c2185b' });
    expect(svg).toContain('fill="#c2185b"');
    expect(svg).toContain('>&lt;</text>');
    expect(renderFaviconSvg(PLAIN)).toContain('>G</text>');
  });

  it('messages get absolute logo URLs and colours that read', () => {
    const file = mailBrandOf(
      { ...acme, logo: { kind: 'file', path: 'l.png', contentType: 'image/png' } },
      'https://auth.acme.example',
    );
    expect(file.logoUrl).toBe('https://auth.acme.example/assets/logo');
    expect(mailBrandOf(acme, 'https://auth.acme.example').logoUrl).toBe(
      'https://cdn.acme.example/logo.svg',
    );
    const yellow = mailBrandOf({ ...PLAIN, accentColor: '#ffeb3b' }, 'https://a.example');
    expect(contrastRatio(yellow.buttonColor, yellow.buttonTextColor)).toBeGreaterThanOrEqual(4.5);
  });
});
