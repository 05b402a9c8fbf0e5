/** `bullmq-iteration cancel <id>`: ends a run at its next item boundary with outcome cancelled. */
import { cliAudit } from '../audit-actor.js';
import { controlCommand } from './control.js';

export const cancelCommand = controlCommand({
  name: 'cancel',
  summary: 'cancel a run: it stops at its next item and ends as cancelled (not failed)',
  description: `Cancels run <id> from any machine: a running job stops at its next item boundary (within
about a second), runs onShutdown and ends with outcome "cancelled": not a failure, never
retried. A waiting, delayed or paused job is woken so that a worker ends it promptly. Its cursor
stays stored for inspection.`,
  examples: [
    'bullmq-iteration cancel 42 --reason "wrong segment"',
    'bullmq-iteration cancel 42 --json | jq .status',
  ],
  takesReason: true,
  act: async (queue, id, reason) => {
    const { cancelRun } = await import('../../control/commands.js');
    return cancelRun(queue, id, { ...cliAudit(), reason });
  },
});
