/** `bullmq-iteration resume <id>`: continues a paused run from its cursor. */
import { cliAudit } from '../audit-actor.js';
import { controlCommand } from './control.js';

export const resumeCommand = controlCommand({
  name: 'resume',
  summary: 'resume a paused run from its cursor',
  description: `Resumes paused run <id> (or withdraws a pause not yet served): it continues from its cursor
as soon as a worker is free. A run that is not paused is refused (exit code 4).`,
  examples: [
    'bullmq-iteration resume 42',
    'bullmq-iteration resume 42 -q nightly --redis-url redis://cache:6379',
  ],
  takesReason: false,
  act: async (queue, id) => {
    const { resumeRun } = await import('../../control/commands.js');
    return resumeRun(queue, id, cliAudit());
  },
});
