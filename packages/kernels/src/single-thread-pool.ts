/**
 * A compute pool without workers: jobs run one after another on the calling thread. Works
 * anywhere (browsers, tests from TypeScript sources) and gives the replies a worker pool gives,
 * since both call the same task handler.
 */
import { ReefError, type ComputeJob, type ComputePool, type ComputeTask } from '@reef/core';

/** Runs `count` jobs of `task` here, in order; what every pool does when it cannot use workers. */
export async function runInThread<J, R>(
  task: ComputeTask<J, R>,
  count: number,
  makeJob: (index: number) => ComputeJob<J>,
  onReply: (reply: R, index: number) => void,
): Promise<void> {
  for (let i = 0; i < count; i++) onReply(await task.handler.run(makeJob(i).job), i);
}

export class SingleThreadPool implements ComputePool {
  readonly threads = 1;
  private closed = false;

  async run<J, R>(task: ComputeTask<J, R>, count: number, makeJob: (index: number) => ComputeJob<J>, onReply: (reply: R, index: number) => void): Promise<void> {
    if (this.closed) throw new ReefError('UNSUPPORTED', 'compute pool: this pool was closed; create a new one');
    checkBatch(task, count);
    await runInThread(task, count, makeJob, onReply);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A batch's arguments, checked the same way by every pool. */
export function checkBatch(task: ComputeTask<unknown, unknown>, count: number): void {
  if (!task || typeof task.handler?.run !== 'function' || !(task.module instanceof URL)) {
    throw new ReefError('INVALID_PARAM', 'compute pool: a task needs a module URL and a handler with run(job)');
  }
  if (!Number.isInteger(count) || count < 0) throw new ReefError('INVALID_PARAM', `compute pool: job count must be an integer ≥ 0, got ${count}`);
}
