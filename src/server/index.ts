/** `tlorc serve`: the REST API over the run store, scheduler and runners. */
export { createServer, startServer, storeOwner, API_PREFIX, type TlorcServer, type ListeningServer } from './app.js';
export { normalizeOptions, type ServerOptions, type ServerConfig } from './options.js';
export { Scheduler, type GpuRequest, type Job, type SchedulerStats } from './scheduler.js';
export type { RecoveryReport } from './recovery.js';
