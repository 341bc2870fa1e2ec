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

/** The state `settledPromise` reports for a fulfilled promise (else rejected). */
export { FULFILLED };

/**
 * The host's `[state, value]` record of a promise that has settled (state `FULFILLED` or rejected, with its value or
 * reason), or null if it is pending or the host cannot tell. The record is the host's own: nothing more is made.
 */
export function settledPromise(promise: Promise<unknown>): Readonly<Details> | null {
  if (getPromiseDetails === null) return null;
  const details = getPromiseDetails(promise);
  return details[0] === FULFILLED || details[0] === REJECTED ? details : null;
}
