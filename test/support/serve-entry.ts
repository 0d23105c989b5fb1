/** Runs the CLI from source (tests spawn real server processes with it, no build needed). */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
