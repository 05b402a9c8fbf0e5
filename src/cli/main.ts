#!/usr/bin/env node
/**
 * The `bullmq-iteration` executable. Exits explicitly once the command is done: BullMQ's clients
 * reconnect forever by design, and a command that has answered must not linger on a socket.
 */
import { runCli } from './cli.js';
import { processIo } from './io.js';

// `bullmq-iteration status | head -1`: a closed pipe ends the command, not with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runCli(process.argv.slice(2), processIo());
process.exit(code);
