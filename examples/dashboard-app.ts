// bull-board mounted on express for a set of BullMQ queues: what examples/dashboard.ts runs and
// what the browser test renders. Nothing here knows about iteration jobs: bull-board reads the
// numeric `progress` field of the object our runtime publishes as `job.progress` on its own.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';

export interface DashboardOptions {
  /** The queues to show, one bull-board tab each. */
  readonly queues: readonly Queue[];
  /** Where bull-board is mounted. @defaultValue '/queues' */
  readonly basePath?: string;
  /** Port to listen on; 0 picks a free one. @defaultValue 0 */
  readonly port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  readonly host?: string;
  /**
   * How often the page asks the server for fresh jobs, in seconds. bull-board's own default is 5;
   * iteration jobs publish progress about once a second, so a shorter interval shows it moving.
   * @defaultValue 2
   */
  readonly pollIntervalSeconds?: number;
}

export interface Dashboard {
  /** The bull-board home page, e.g. `http://127.0.0.1:3000/queues`. */
  readonly url: string;
  /** The page of one queue: its jobs by state, each with its progress bar. */
  queueUrl(queueName: string): string;
  /** The page of one job: its state, progress bar and the progress object in full. */
  jobUrl(queueName: string, jobId: string): string;
  /** Stops the HTTP server. The queues stay open: they belong to the caller. */
  close(): Promise<void>;
}

/**
 * Serves bull-board for `queues` on a local HTTP server.
 *
 * @example
 * ```ts
 * const dashboard = await createDashboard({ queues: [backend.queue('maintenance')], port: 3000 });
 * console.log(dashboard.url); // http://127.0.0.1:3000/queues
 * ```
 */
export async function createDashboard(options: DashboardOptions): Promise<Dashboard> {
  const basePath = options.basePath ?? '/queues';
  const serverAdapter = new ExpressAdapter().setBasePath(basePath);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'bullmq-iteration',
        pollingInterval: { forceInterval: options.pollIntervalSeconds ?? 2 },
      },
    },
  });

  const app = express();
  app.use(basePath, serverAdapter.getRouter());
  const server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  const origin = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const url = `${origin}${basePath}`;

  const queueUrl = (queueName: string) => `${url}/queue/${encodeURIComponent(queueName)}`;
  return {
    url,
    queueUrl,
    jobUrl: (queueName, jobId) => `${queueUrl(queueName)}/${encodeURIComponent(jobId)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The page polls over keep-alive connections; without this, close() waits for them to
        // time out (5 s in Node) even after the browser is gone.
        server.closeAllConnections();
      }),
  };
}
