// What must end with a loop's run: the loop threads and worker pools started while it ran. loop_thread.ts and
// worker_pool.ts register them here; `asyncio.run()` (runner.ts) and the worker bootstrap call
// `runLoopShutdownHooks(loop)` before they close the loop, so nothing started during a run outlives it. Kept apart
// from them so that the runner does not load the worker machinery.

import type { EventLoop } from "./loop.ts";

const hooks = new WeakMap<EventLoop, Set<() => Promise<void>>>();

/** Registers `hook` to run (once) when `loop`'s run ends; returns a function that unregisters it. */
export function addLoopShutdownHook(loop: EventLoop, hook: () => Promise<void>): () => void {
  let set = hooks.get(loop);
  if (set === undefined) hooks.set(loop, set = new Set());
  set.add(hook);
  return () => set.delete(hook);
}

/** Runs and forgets every hook registered for `loop`, concurrently; resolves once all have settled. */
export async function runLoopShutdownHooks(loop: EventLoop): Promise<void> {
  const set = hooks.get(loop);
  if (set === undefined || set.size === 0) return;
  const pending = [...set];
  set.clear();
  const outcomes = await Promise.allSettled(pending.map((hook) => hook()));
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") {
      loop.callExceptionHandler({ message: "Error while shutting down a thread", exception: outcome.reason });
    }
  }
}
