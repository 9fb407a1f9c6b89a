import type { Redis } from 'ioredis';
import { histogramKey, SharedHistogram, type HistogramSpec } from './shared-histogram';

/**
 * How long each job attempt ran on a worker (BullMQ's processedOn to finishedOn), by queue, job type and outcome.
 * Workers observe it (they see every attempt end); the API exposes it at /metrics from Redis.
 */
export const JOB_DURATION: HistogramSpec = {
  name: 'shopintent_job_duration_seconds',
  help: 'Time one job attempt ran on a worker, by queue, job type and outcome (completed or failed); all workers together',
  labelNames: ['queue', 'job', 'outcome'],
  buckets: [0.05, 0.25, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600],
};

/** The workers' side: every observation is sent at once (jobs end seconds apart, not thousands a second). */
export const jobDurationHistogram = (redis: Redis, prefix: string): SharedHistogram => new SharedHistogram(redis, histogramKey(prefix, JOB_DURATION), JOB_DURATION, 0);
