/**
 * Renders docs/errors.md from the error catalogue and docs/http-errors.md from the HTTP error
 * catalogue. `npm run docs:errors` rewrites both files; test/docs.test.ts fails when a file and
 * its catalogue differ.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { HTTP_ERROR_CATALOGUE } from '../src/server/http-errors.js';

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOGUE)
    .map(([code, text]) => `| \`${code}\` | ${cell(text)} |`)
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

export function renderHttpErrorsDoc(): string {
  const rows = Object.entries(HTTP_ERROR_CATALOGUE)
    .map(
      ([code, { statuses, description }]) =>
        `| \`${code}\` | ${statuses.join(', ')} | ${cell(description)} |`,
    )
    .join('\n');
  return `# HTTP error codes

Every error answer of the API is JSON: \`{"error": CODE, "error_description": TEXT}\`. \`error\` is
one of the codes below, stable, for programs; \`error_description\` is for people: it says what was
wrong and what to change (a request field is named, with the rule it breaks, never with the value
sent), and its wording may change. The OpenAPI document (\`GET /openapi.json\`) lists the same codes
as the enum of \`ErrorBody.error\`.

The token endpoint speaks RFC 6749 section 5.2: a wrong username or password there is
\`invalid_grant\` (elsewhere \`invalid_credentials\`), and any other 400 is \`invalid_request\`. A
401 carries \`WWW-Authenticate\`; a 429, and a 503 when the wait is known, carry \`Retry-After\`; a
405 carries \`Allow\`. Every answer carries \`X-Request-Id\`: the request's log line holds the
precise reason (an \`ERR_*\` code of [errors.md](errors.md)) under that id. (Your own API, guarded
by \`@gatehouse/middleware\`, answers with the RFC 6750 codes \`invalid_request\`, \`invalid_token\`
and \`insufficient_scope\`: see the README.)

This file is generated from \`src/server/http-errors.ts\` by \`npm run docs:errors\`; a test keeps
them equal.

| error | status | meaning, and what to do |
|---|---|---|
${rows}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
  writeFileSync(new URL('../docs/http-errors.md', import.meta.url), renderHttpErrorsDoc());
}
