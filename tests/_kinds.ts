// What many test files share: both kinds of coroutine, and a loop on virtual time.

import { type EventLoop, newEventLoop } from "../loop.ts";
import type { Coroutine } from "../task.ts";
import { VirtualClock } from "../virtual_clock.ts";

/** The two kinds of coroutine every behaviour is tested with. */
export const KINDS = ["generator", "async function"] as const;

/** One kind of coroutine. */
export type Kind = (typeof KINDS)[number];

/** A loop on a virtual clock: time jumps to the next timer whenever the loop is idle. */
export function virtualLoop(): EventLoop {
  return newEventLoop({ clock: new VirtualClock() });
}

/** The same coroutine body in the spelling of `kind`: a generator object, or the async function itself. */
export function coroutine<T>(
  kind: Kind,
  generatorFunction: () => Generator<unknown, T, unknown>,
  asyncFunction: () => Promise<T>,
): Coroutine<T> {
  return kind === "generator" ? generatorFunction() : asyncFunction;
}
