// A microtask checkpoint on demand: runs every microtask queued so far, and those they queue, before returning.
//
// CPython runs a coroutine's step — from its resumption to its next suspension — inside one loop callback. An async
// function resumed by a loop callback runs in microtasks instead; the loop calls `runMicrotasks()` right after such
// a callback, so that the step is complete (the function suspended again, returned or threw) before the loop's
// next callback runs. Callbacks then run in the order they were scheduled whatever coroutine kind they step, and a
// task whose function returned is done before anything later in the batch can cancel it.
//
// Deno exposes V8's checkpoint to its own JavaScript as `core.runMicrotasks()`. It only acts in a macrotask (V8
// does not nest checkpoints: inside a microtask it returns at once), which is why the loop runs its iterations from
// host macrotasks only. Where the hook is missing, `runMicrotasks` is null and the loop lets each iteration's
// microtasks run before the next one instead (a host turn in between).

type Core = { runMicrotasks?: () => void };

function findRunMicrotasks(): (() => void) | null {
  try {
    const deno = (globalThis as { Deno?: { internal?: symbol } }).Deno;
    if (deno === undefined || typeof deno.internal !== "symbol") return null;
    const core = (deno as unknown as Record<symbol, { core?: Core } | undefined>)[deno.internal]?.core;
    const run = core?.runMicrotasks;
    return typeof run === "function" ? () => run.call(core) : null;
  } catch {
    return null;
  }
}

/** Runs the queued microtasks now (see above), or null where the runtime offers no checkpoint. */
export const runMicrotasks: (() => void) | null = findRunMicrotasks();
