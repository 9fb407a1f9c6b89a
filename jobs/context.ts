import type { FlowProducer } from 'bullmq';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { JobName, JobPayload } from './catalogue';

/** What a handler gets besides its payload: the writer database, config, and progress/log sinks tied to its BullMQ job. */
export interface JobContext {
  jobId: string;
  attempt: number;
  db: Db;
  config: Readonly<Config>;
  /** percent 0–100 plus whatever counters the job wants ops to see in Bull Board */
  progress(percent: number, detail?: Record<string, number | string>): Promise<void>;
  log(message: string): void;
  /** present only where a handler may enqueue follow-up work (the in-process pipeline trigger) */
  flows?: FlowProducer;
}

/** A job handler: payload already validated against the catalogue. */
export type Handler<K extends JobName> = (payload: JobPayload<K>, ctx: JobContext) => Promise<unknown>;

/** Exactly one handler per job: a missing or extra one is a compile error. */
export type HandlerTable = { [K in JobName]: Handler<K> };
