/**
 * Renders docs/errors.md from the error catalogue. `npm run docs:errors` rewrites the file;
 * test/docs.test.ts fails when the two differ.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE } from '../src/core/errors.js';

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOGUE)
    .map(([code, text]) => `| \`${code}\` | ${text.replaceAll('|', '\\|')} |`)
    .join('\n');
  return `# Error codes

Every Gatehouse failure is an \`AuthError\` with one of these stable codes (\`error.code\`). A
released code never changes meaning; messages may. Messages and \`error.details\` never contain a
token, a secret, a password, a hash or key material.

This file is generated from \`src/core/errors.ts\` by \`npm run docs:errors\`; a test keeps them equal.

| code | meaning |
|---|---|
${rows}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
}
