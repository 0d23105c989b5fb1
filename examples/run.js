// npm run example: Gatehouse on :3000 (SQLite and keys in a temporary folder) and the example
// API and page on :4000. Ctrl-C stops both. GATEHOUSE_PORT and EXAMPLE_PORT choose other ports.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, stopProcesses } from '../bench/support.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-example-'));
const gatehousePort = process.env.GATEHOUSE_PORT ?? '3000';
const examplePort = process.env.EXAMPLE_PORT ?? '4000';
// The URL the browser calls Gatehouse at: DPoP proofs name it, so it is the issuer.
const issuer = `http://localhost:${gatehousePort}`;
const exampleOrigin = `http://localhost:${examplePort}`;
const children = [];
await startProcess(children, ['bin/gatehouse.js', 'serve'], {
  GATEHOUSE_PORT: gatehousePort,
  GATEHOUSE_ISSUER: issuer,
  // The page, on the example's origin, calls Gatehouse directly: CORS for that origin only.
  GATEHOUSE_CORS_ORIGINS: exampleOrigin,
  GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
  GATEHOUSE_SIGNING_KEYS: join(dir, 'signing-keys.json'),
  GATEHOUSE_LOG_LEVEL: 'warn',
});
await startProcess(children, ['examples/server.js'], {
  GATEHOUSE_ISSUER: issuer,
  EXAMPLE_PORT: examplePort,
});
// The example API's request log (scheme, status, refusal reason) goes on to this terminal.
children[1].stderr.on('data', (chunk) => process.stderr.write(chunk));
console.log(`Gatehouse: ${issuer}\nExample:   ${exampleOrigin}  (open it in a browser)`);
const stop = () => stopProcesses(children).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
