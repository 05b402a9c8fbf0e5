// Bounds shared by the harness and the worker processes it starts.

/**
 * The checkpoint-lag bound the chaos workers run with (`maxCheckpointLagItems`; see
 * worker-process.ts): the loop waits for the checkpoint store once this many finished items are
 * not durable yet, so an incident that costs a run its lock or its process redoes at most these,
 * whatever the store's latency (a frozen Redis, a PostgreSQL fsync stall under load).
 */
export const CHECKPOINT_LAG_ITEMS = 25;
