/**
 * Effect metrics of pools, tagged with `pool` (a number per pool in this isolate) and `backend`.
 * Updated from the dispatcher with `unsafeUpdate`, once per batch rather than once per job.
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

export const tasksSubmitted = Metric.counter("effect_mp_pool_tasks_submitted", {
  description: "jobs queued (a call, or a chunk of map items)",
  incremental: true
})
export const tasksCompleted = Metric.counter("effect_mp_pool_tasks_completed", {
  description: "jobs that returned a value",
  incremental: true
})
export const tasksFailed = Metric.counter("effect_mp_pool_tasks_failed", {
  description: "jobs that failed (the task raised, or its worker died)",
  incremental: true
})
export const taskDuration = Metric.histogram(
  "effect_mp_pool_task_duration_ms",
  MetricBoundaries.exponential({ start: 0.001, factor: 4, count: 14 }),
  "run time per item in a worker, one sample per batch of results"
)
export const queueDepth = Metric.gauge("effect_mp_pool_queue_depth", { description: "jobs waiting for a worker" })
export const workersAlive = Metric.gauge("effect_mp_pool_workers_alive", { description: "workers alive" })
export const workerRestarts = Metric.counter("effect_mp_pool_worker_restarts", {
  description: "workers started to replace one that ended",
  incremental: true
})

/** What the dispatcher reports. */
export interface Observer {
  readonly submitted: (jobs: number) => void
  readonly completed: (ok: number, failed: number, msPerItem: number | undefined) => void
  readonly queue: (depth: number) => void
  readonly workers: (delta: number) => void
  readonly restarted: () => void
}

export const metricsObserver = (pool: number, backend: string): Observer => {
  const tags = [MetricLabel.make("pool", String(pool)), MetricLabel.make("backend", backend)]
  let alive = 0
  return {
    submitted: (jobs) => tasksSubmitted.unsafeUpdate(jobs, tags),
    completed: (ok, failed, msPerItem) => {
      if (ok > 0) tasksCompleted.unsafeUpdate(ok, tags)
      if (failed > 0) tasksFailed.unsafeUpdate(failed, tags)
      if (msPerItem !== undefined) taskDuration.unsafeUpdate(msPerItem, tags)
    },
    queue: (depth) => queueDepth.unsafeUpdate(depth, tags),
    workers: (delta) => workersAlive.unsafeUpdate(alive += delta, tags),
    restarted: () => workerRestarts.unsafeUpdate(1, tags)
  }
}
