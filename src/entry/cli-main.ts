/** Runs the CLI from source (tests and `tsx src/entry/cli-main.ts`); bin/ddx.js runs the built copy. */
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
