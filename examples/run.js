// npm run example: Gatehouse on :3000 (SQLite and keys in a temporary folder) and the example
// API and page on :4000. Ctrl-C stops both.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, stopProcesses } from '../bench/support.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-example-'));
const children = [];
const gatehouse = await startProcess(children, ['bin/gatehouse.js', 'serve'], {
  GATEHOUSE_PORT: process.env.GATEHOUSE_PORT ?? '3000',
  GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
  GATEHOUSE_SIGNING_KEYS: join(dir, 'signing-keys.json'),
  GATEHOUSE_LOG_LEVEL: 'warn',
});
const gatehouseUrl = gatehouse.replace('127.0.0.1', 'localhost');
const example = await startProcess(children, ['examples/server.js'], {
  GATEHOUSE_URL: gatehouseUrl,
});
console.log(
  `Gatehouse: ${gatehouseUrl}\nExample:   ${example.replace('127.0.0.1', 'localhost')}  (open it in a browser)`,
);
const stop = () => stopProcesses(children).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
