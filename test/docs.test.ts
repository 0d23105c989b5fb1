import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc, renderHttpErrorsDoc } from '../scripts/errors-doc.js';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { HTTP_ERROR_CATALOGUE } from '../src/server/http-errors.js';

describe('docs/errors.md', () => {
  it('is exactly what the error catalogue renders (run npm run docs:errors after changing codes)', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsDoc());
  });

  it('lists every code once, and every code follows ERR_<AREA>_<REASON>', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
      expect(doc.split(`\`${code}\``)).toHaveLength(2);
    }
  });
});

describe('docs/http-errors.md', () => {
  const doc = () => readFileSync(new URL('../docs/http-errors.md', import.meta.url), 'utf8');

  it('is exactly what the HTTP error catalogue renders (run npm run docs:errors after changing codes)', () => {
    expect(doc()).toBe(renderHttpErrorsDoc());
  });

  it('has one row per code, with its statuses', () => {
    const rows = doc()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(rows).toHaveLength(Object.keys(HTTP_ERROR_CATALOGUE).length);
    for (const [code, { statuses }] of Object.entries(HTTP_ERROR_CATALOGUE))
      expect(
        rows.filter((row) => row.startsWith(`| \`${code}\` | ${statuses.join(', ')} |`)),
        code,
      ).toHaveLength(1);
  });
});
