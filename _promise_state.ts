// A promise's state, read synchronously where the host shows it.
//
// JavaScript gives no way to ask a promise whether it has settled; Deno's own console does it with
// `core.getPromiseDetails`. An eager task uses it to see that its async function returned without awaiting, so
// that the task is done when `createTask` returns (CPython's eager tasks), not a microtask later. Where the hook is
// missing (another runtime, a future Deno), every promise reads as pending and the task ends a microtask later:
// still before the loop's next callback (see _microtask_checkpoint.ts).
//
// A leaf module: it imports nothing.

type Details = [state: number, value: unknown];
type Core = { getPromiseDetails?: (promise: Promise<unknown>) => Details };

const FULFILLED = 1;
const REJECTED = 2;

function findGetPromiseDetails(): ((promise: Promise<unknown>) => Details) | null {
  try {
    const deno = (globalThis as { Deno?: { internal?: symbol } }).Deno;
    if (deno === undefined || typeof deno.internal !== "symbol") return null;
    const internals = (deno as unknown as Record<symbol, { core?: Core } | undefined>)[deno.internal];
    const get = internals?.core?.getPromiseDetails;
    if (typeof get !== "function") return null;
    // Check that it reads as expected before trusting it.
    const probe = get(Promise.resolve(42));
    return Array.isArray(probe) && probe[0] === FULFILLED && probe[1] === 42 ? get : null;
  } catch {
    return null;
  }
}

const getPromiseDetails = findGetPromiseDetails();

/** `promiseState(promise)` of a promise that has not settled, or whose state the host does not show. */
export const PENDING = 0;
export { FULFILLED, REJECTED };

let lastValue: unknown = undefined;

/**
 * The promise's state — `PENDING`, `FULFILLED` or `REJECTED` — as far as the host can tell (else `PENDING`); the
 * value or reason of a settled one is then `takeSettledValue()`'s. (Two calls rather than a record returned: this
 * runs once per eager task.)
 */
export function promiseState(promise: Promise<unknown>): number {
  if (getPromiseDetails === null) return PENDING;
  const details = getPromiseDetails(promise);
  lastValue = details[1];
  return details[0];
}

/** The value or reason of the promise `promiseState` last saw settled (and forgets it). */
export function takeSettledValue(): unknown {
  const value = lastValue;
  lastValue = undefined;
  return value;
}
