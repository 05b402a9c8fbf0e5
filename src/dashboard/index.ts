/** The web dashboard: a request handler to mount in a Node server, and its options. */
export type { DashboardHandler } from './handler.js';
export { createDashboardHandler } from './handler.js';
export type {
  DashboardAccess,
  DashboardAuthorize,
  DashboardOptions,
  DashboardQueue,
  DashboardUploads,
  DashboardVerdict,
} from './options.js';
