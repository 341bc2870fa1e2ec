// The loop a synchronisation primitive waits on (CPython's `mixins._LoopBoundMixin`): a primitive is created
// outside any loop and binds to the running loop the first time something waits on it; waiting on it from another
// loop afterwards is an error, since its futures could never be woken there.

import { InvalidStateError } from "./errors.ts";
import { getRunningLoop } from "./loop.ts";
import type { EventLoop } from "./loop.ts";

/**
 * The running loop, checked against the loop `owner` is bound to (`null`: not bound yet; the caller stores the
 * result to bind it).
 *
 * @throws {InvalidStateError} If no loop is running, or `owner` is bound to another loop.
 */
export function boundLoop(bound: EventLoop | null, owner: object): EventLoop {
  const loop = getRunningLoop();
  if (bound !== null && bound !== loop) {
    throw new InvalidStateError(`${owner} is bound to a different event loop`);
  }
  return loop;
}
