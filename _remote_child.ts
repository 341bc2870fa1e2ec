// A task group's child that runs on another thread (`group.createTask(call(jobs.fn, …), { thread })`): a local
// task stands in for the remote one, so the group treats it as any child.
//
// - The remote call starts at the stand-in's first step: a stand-in cancelled before it starts sends nothing.
// - A cancel of the stand-in (the group aborting after a failure, or its parent cancelled) is passed on to the
//   remote task, and the stand-in keeps waiting until that thread says how the task ended: its `finally` blocks
//   have run there when the group moves on. If the remote task finished before the cancel reached it, the stand-in
//   ends with that value (or error): nothing the other thread did is dropped.
// - A remote error arrives with its name, message, stack (the worker module's frames) and cause, as every error
//   that crosses threads; a thread that dies fails the stand-in with `BrokenThreadError`.

import { CancelledError, InvalidStateError } from "./errors.ts";
import { wrapFuture } from "./future.ts";
import { LoopThread, runCoroutineThreadsafe } from "./loop_thread.ts";
import { shield } from "./shield.ts";
import type { RemoteCall } from "./worker_module.ts";

/**
 * Checks `remote` and `thread` now (so that a bad call fails in `createTask`, as a bad coroutine does) and
 * returns the stand-in's coroutine.
 */
export function remoteChild<R>(remote: unknown, thread: unknown, caller: string): Generator<unknown, R, unknown> {
  // The same checks and messages as runCoroutineThreadsafe(), which the stand-in calls at its first step.
  const target = LoopThread._threadFor(remote, thread, `${caller} with { thread }`);
  if (!target.isAlive()) throw new InvalidStateError(`${caller}: ${target} has ended`);
  return standIn(remote as RemoteCall<R>, target);
}

function* standIn<R>(remote: RemoteCall<R>, thread: LoopThread): Generator<unknown, R, unknown> {
  const remoteTask = runCoroutineThreadsafe(remote, thread);
  // Waited on through a shield: a cancel of the stand-in must not cancel `outcome`, which is how the remote
  // task's end arrives.
  const outcome = wrapFuture(remoteTask);
  for (;;) {
    try {
      return yield* shield(outcome);
    } catch (error) {
      if (!(error instanceof CancelledError) || outcome.done()) throw error;
      // Cancelled here: cancel it there, and wait for it to end there.
      remoteTask._cancelRemote();
    }
  }
}
