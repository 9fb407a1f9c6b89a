import type { FlowProducer } from 'bullmq';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import type { Db } from '../db/knex';
import type { JobInput, JobName, JobPayload } from './catalogue';
import type { PublishedKind } from './client/publish-notice';

/** A job to run as a child of the running one (BullMQ parent/child); its id makes adding it twice a no-op. */
export interface ChildJob<K extends JobName = JobName> {
  name: K;
  data: JobInput<K>;
  jobId: string;
}

/** Fan-out: a handler adds children, then parks until they finish; BullMQ runs it again afterwards. */
export interface ChildControl {
  /** adds the children (in bounded atomic chunks); a child that fails for good fails this job */
  add(children: ChildJob[]): Promise<void>;
  /**
   * Parks this job while any child is unfinished: true means parked, and the handler must then throw
   * bullmq's WaitingChildrenError (and run again, from the top, once they finish); false means all are done.
   */
  waitForChildren(): Promise<boolean>;
}

/** What a handler gets besides its payload: the writer database, config, and progress/log sinks tied to its BullMQ job. */
export interface JobContext {
  jobId: string;
  attempt: number;
  db: Db;
  config: Readonly<Config>;
  /** percent 0–100 plus whatever counters the job wants ops to see in Bull Board */
  progress(percent: number, detail?: Record<string, number | string>): Promise<void>;
  /** a line for the job's log in Bull Board and for the process log */
  log(message: string): void;
  /** the process log only, structured; every line carries the job's id, type, queue and attempt */
  logger: Logger;
  /** present only where a handler may enqueue follow-up work (the in-process pipeline trigger) */
  flows?: FlowProducer;
  /** present when the job runs under a BullMQ worker (not when a handler is called directly) */
  children?: ChildControl;
  /** tells serving caches that a run was published (after the commit); absent when a handler is called directly */
  announcePublished?(kind: PublishedKind, runId: number): Promise<void>;
}

/** A job handler: payload already validated against the catalogue. */
export type Handler<K extends JobName> = (payload: JobPayload<K>, ctx: JobContext) => Promise<unknown>;

/** Exactly one handler per job: a missing or extra one is a compile error. */
export type HandlerTable = { [K in JobName]: Handler<K> };
