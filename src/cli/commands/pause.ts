/** `bullmq-iteration pause <id>`: parks a run at its next item boundary until it is resumed. */
import { cliAudit } from '../audit-actor.js';
import { controlCommand } from './control.js';

export const pauseCommand = controlCommand({
  name: 'pause',
  summary: 'pause a run: it checkpoints and parks without a worker slot until resumed',
  description: `Pauses run <id> from any machine: a running job stops at its next item boundary (within
about a second), saves its cursor and parks without holding a worker slot; a waiting or delayed
job parks before it starts again. Pausing twice is harmless. \`resume <id>\` continues it.`,
  examples: [
    'bullmq-iteration pause 42 --reason "database maintenance"',
    'bullmq-iteration pause cleanup-2024-05-01 -q nightly',
  ],
  takesReason: true,
  act: async (queue, id, reason) => {
    const { pauseRun } = await import('../../control/commands.js');
    return pauseRun(queue, id, { ...cliAudit(), reason });
  },
});
