/**
 * The `ddx` process (bin/ddx.js runs the built copy; tests and `tsx src/entry/cli-main.ts` run it
 * from source). Only what belongs to a process of our own happens here, before any command runs.
 */
import { main, processOutput } from './cli.js';

// The AWS SDK's own switch for its Node-version notice (aws/aws-sdk-js-v3#7983): eight lines on
// stderr of every command that loads the SDK, which says nothing a user of ddx can act on. Set
// here, at the CLI's edge only: the Lambda and the server keep the SDK's default.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv.slice(2), process.env, processOutput());
