#!/usr/bin/env node
// The installed `gatehouse` command. Runs the compiled CLI (npm run build writes dist/).
import { main } from '../dist/cli/main.js';

// Output piped into `head` and closed early is not an error of ours.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
