// How an event loop waits on the host between its iterations: the host's next macrotask (`setImmediate`) when
// callbacks are ready, one host timer for the earliest deadline when only timers are pending, or — cheapest — the
// next iteration at once in the same macrotask when everything the last one started has run. A host turn still
// comes at least every MAX_CHAINED_ITERATIONS iterations and every HOST_TURN_MS, so host timers, I/O and worker
// messages are never starved. The loop (loop.ts) decides *what* it waits for; this decides *how*, and calls the
// loop's one iteration (`#runOnce`) back.

import { clearImmediate, setImmediate } from "node:timers";
import { taskContext } from "./_task_context.ts";

// How many iterations may follow one another within one host macrotask, and for how long, before the loop gives
// the host a turn.
const MAX_CHAINED_ITERATIONS = 64;
const HOST_TURN_MS = 2;

// The longest the loop sleeps on one host timer; a later deadline just re-arms it (CPython: 24 hours).
const MAXIMUM_HOST_TIMER_MS = 24 * 3600 * 1000;

/** One loop iteration; `afterHostTurn` says whether the host had a turn (all microtasks ran) since the last one. */
export type RunOnce = (afterHostTurn: boolean) => void;

/** The host side of one loop's pacing: its pending macrotask, its host timer, its chain of iterations. */
export class HostPacing {
  /** An iteration is scheduled (to follow at once, or in a host macrotask); see `request`. */
  pending = false;
  /** The deadline the host timer is set for (Infinity: none). */
  timerDeadline = Infinity;
  #runOnce: RunOnce;
  #immediate: ReturnType<typeof setImmediate> | null = null;
  // The next iteration follows the current one within the same host macrotask (see #iterate).
  #iterateAgain = false;
  #chainedIterations = 0;
  #hostTurnAt = 0;
  #hostTimer: ReturnType<typeof setTimeout> | null = null;

  /** @param runOnce The loop's iteration, called from the host's callbacks. */
  constructor(runOnce: RunOnce) {
    this.#runOnce = runOnce;
  }

  /**
   * Schedules the next iteration. With `mayChain` — asked at the end of an iteration that left nothing running in
   * microtasks, with callbacks ready — it follows at once, in the same host macrotask, which saves a host turn (a
   * few microseconds), unless the chain is long or old enough for the host to have a turn. Anywhere else (a
   * callSoon from a host callback or a microtask), other microtasks may follow, so the host turn it is.
   */
  request(mayChain: boolean): void {
    this.pending = true;
    if (
      mayChain && this.#chainedIterations < MAX_CHAINED_ITERATIONS &&
      // The clock is read every 8th iteration only: it costs as much as a short iteration.
      ((this.#chainedIterations & 7) !== 7 || performance.now() - this.#hostTurnAt < HOST_TURN_MS)
    ) {
      this.#chainedIterations++;
      this.#iterateAgain = true;
    } else {
      this.#immediate = outsideTasks(() => setImmediate(this.#onImmediate));
    }
  }

  /** Wakes the loop at `deadline` (loop time; `now` is the loop's time now) unless the host timer is due earlier. */
  wakeAt(deadline: number, now: number): void {
    if (this.#hostTimer !== null) {
      if (this.timerDeadline <= deadline) return;
      clearTimeout(this.#hostTimer);
    }
    this.timerDeadline = deadline;
    // Capped as CPython caps its select() timeout: host timers overflow past 2^31-1 ms and would fire at once.
    const delay = Math.min(MAXIMUM_HOST_TIMER_MS, Math.max(0, Math.ceil(deadline - now)));
    this.#hostTimer = outsideTasks(() => setTimeout(this.#onHostTimer, delay));
  }

  /**
   * Runs the next iteration right after the current host callback (a worker message, delivered in a microtask),
   * instead of the host turn already asked for. Only where the runtime has no microtask checkpoint (see
   * `EventLoop._iterateFromHostCallback`).
   */
  iterateSoon(): void {
    if (this.pending) {
      if (this.#immediate === null) return;
      // Replace the host turn already asked for.
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
    this.pending = true;
    this.#chainedIterations++;
    outsideTasks(() => queueMicrotask(this.#onMicrotask));
  }

  /** The loop stopped: forgets the pending iteration and the host timer. */
  cancel(): void {
    if (this.#immediate !== null) {
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
    this.pending = false;
    this.#iterateAgain = false;
    if (this.#hostTimer !== null) {
      clearTimeout(this.#hostTimer);
      this.#hostTimer = null;
      this.timerDeadline = Infinity;
    }
  }

  /** Calls `callback` in the host's next macrotask, outside every task's async context. */
  afterHostTurn(callback: () => void): void {
    outsideTasks(() => setImmediate(callback));
  }

  #onHostTimer = (): void => {
    this.#hostTimer = null;
    this.timerDeadline = Infinity;
    if (!this.pending) this.#iterate();
  };

  #onImmediate = (): void => {
    this.#immediate = null;
    this.pending = false;
    this.#iterate();
  };

  // Without microtask checkpoints only: an iteration right after a worker message (see iterateSoon).
  #onMicrotask = (): void => {
    this.pending = false;
    this.#runOnce(false);
    this.#iterateChained();
  };

  // A host macrotask's iterations: the first, then as many as may follow at once (see request).
  #iterate(): void {
    this.#chainedIterations = 0;
    this.#hostTurnAt = performance.now();
    this.#runOnce(true);
    this.#iterateChained();
  }

  #iterateChained(): void {
    while (this.#iterateAgain) {
      this.#iterateAgain = false;
      this.pending = false;
      this.#runOnce(false);
    }
  }
}

// Host callbacks inherit the async context they were scheduled in; the loop's own must start from none, or a
// callback of the next iteration would look as if it ran inside whichever task happened to wake the loop.
function outsideTasks<R>(schedule: () => R): R {
  return taskContext.outsideTasks(schedule);
}
