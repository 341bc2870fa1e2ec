// Who awaits a future, as the call graph (call_graph.ts) reads it off the future's done-callbacks: a task's own
// callbacks carry the task as their argument; a combinator's callback carries a mark, set once per combinator
// call (never per await), naming the future or task that waits through it. Nothing is recorded on the hot path.
//
// A leaf module: it imports nothing.

const AWAITED_BY = Symbol("asyncio.awaitedBy");

/** The mark meaning "the callback's argument is the awaiter" (a Future waiting on the future, as waitFor's). */
export const THE_ARGUMENT: unique symbol = Symbol("asyncio.awaitedBy.argument");

/** Who waits through a callback: a future or task, a function that tells (null: nobody now), or its argument. */
export type Awaiter = object | (() => object | null) | typeof THE_ARGUMENT;

/** Marks `callback`, a done-callback a combinator adds, with who waits through it; returns the callback. */
export function markAwaitedBy<F extends (...args: never[]) => unknown>(callback: F, awaiter: Awaiter): F {
  (callback as unknown as Record<symbol, Awaiter>)[AWAITED_BY] = awaiter;
  return callback;
}

/** The awaiter a marked callback names (with its argument), else undefined. */
export function markedAwaiter(callback: unknown, argument: unknown): object | null | undefined {
  if (typeof callback !== "function") return undefined;
  const mark = (callback as unknown as Record<symbol, Awaiter | undefined>)[AWAITED_BY];
  if (mark === undefined) return undefined;
  if (mark === THE_ARGUMENT) return typeof argument === "object" ? argument : null;
  if (typeof mark === "function") return (mark as () => object | null)();
  return mark;
}
