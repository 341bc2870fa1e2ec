// The loop a synchronisation primitive waits on (CPython's `mixins._LoopBoundMixin`): a primitive is created
// outside any loop and binds to the loop of the first task that waits on it; waiting on it from another loop
// afterwards is an error, since its futures could never wake that loop's tasks.

import { InvalidStateError } from "./errors.ts";
import { getRunningLoop } from "./loop.ts";
import type { EventLoop } from "./loop.ts";
import { currentTask } from "./task.ts";

/**
 * The loop of the waiting task (else the running loop), checked against the loop `owner` is bound to (`null`:
 * not bound yet; the caller stores the result to bind it). The task's loop comes first because an async-function
 * task can resume in the microtasks that follow its loop's last iteration, when no loop is running any more.
 *
 * @throws {InvalidStateError} If there is neither a task nor a running loop, or `owner` is bound to another loop.
 */
export function boundLoop(bound: EventLoop | null, owner: object): EventLoop {
  const loop = currentTask()?.getLoop() ?? getRunningLoop();
  if (bound !== null && bound !== loop) {
    throw new InvalidStateError(`${owner} is bound to a different event loop`);
  }
  return loop;
}
