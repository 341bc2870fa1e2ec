// The bridge from shared memory to the event loop: tasks of one thread that wait on a ThreadQueue condition (an
// item came, there is room, every item is done) are resumed through loop futures when another thread notifies the
// condition's word, which this thread watches with one Atomics.waitAsync. thread_queue.ts decides what to wait for.

import type { Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { lock, unlock } from "./_shared_ring.ts";

// A task (or, outside any event loop, a plain promise) waiting in putAsync/getAsync/joinAsync.
class Waiter {
  readonly future: Future<void> | null;
  readonly promise: Promise<void> | null;
  #resolve: (() => void) | null = null;
  // Woken by the condition (not by its deadline): a waiter that then gives up must hand the wake-up on.
  woken = false;

  constructor(loop: EventLoop | null) {
    if (loop === null) {
      this.future = null;
      this.promise = new Promise<void>((resolve) => this.#resolve = resolve);
    } else {
      this.future = loop.createFuture<void>();
      this.promise = null;
    }
  }

  // Resumes the waiting task; false if it cannot be resumed (cancelled, its loop closed, already resumed).
  resume(): boolean {
    const future = this.future;
    if (future === null) {
      if (this.#resolve === null) return false;
      this.#resolve();
      this.#resolve = null;
      return true;
    }
    if (future.done() || future.getLoop().isClosed()) return false;
    future.setResult(undefined);
    return true;
  }

  // What the waiting generator yields until it is resumed.
  *wait(): Generator<unknown, void, unknown> {
    if (this.future !== null) yield* this.future;
    else yield this.promise;
  }
}

// The tasks of one thread waiting on one condition of one queue. The thread keeps one Atomics.waitAsync on the
// condition's word while any of them waits; when it fires, the waiters the condition lets through are resumed and
// retry (`howMany` counts them, with the mutex held). While tasks wait, a host timer keeps the thread alive (a
// pending waitAsync does not); once a second it drops the waiters of closed loops, which nothing will resume.
export class AsyncWaiters {
  readonly #state: Int32Array;
  readonly #word: number;
  readonly #arms: number;
  readonly #howMany: (state: Int32Array) => number;
  readonly #waiters: Waiter[] = [];
  #armed = false;
  #keepAlive: ReturnType<typeof setInterval> | null = null;

  constructor(state: Int32Array, word: number, arms: number, howMany: (state: Int32Array) => number) {
    this.#state = state;
    this.#word = word;
    this.#arms = arms;
    this.#howMany = howMany;
  }

  /**
   * Entered with the mutex held (released here): waits until the condition resumes this task, or `deadline` (on
   * the loop's clock, or `performance.now()` outside a loop) passes. A task cancelled after it was woken hands the
   * wake-up on to the next waiting task of this thread, so none is lost.
   */
  *wait(loop: EventLoop | null, deadline: number): Generator<unknown, void, unknown> {
    const waiter = new Waiter(loop);
    this.#add(waiter);
    unlock(this.#state);
    let timer: { cancel(): unknown } | null = null;
    if (deadline !== Infinity) {
      if (loop !== null) timer = loop.callAt(deadline, () => waiter.resume());
      else {
        const id = setTimeout(() => waiter.resume(), Math.max(0, deadline - performance.now()));
        timer = { cancel: () => clearTimeout(id) };
      }
    }
    try {
      yield* waiter.wait();
    } catch (error) {
      // Cancelled: a wake-up this task got and will not use goes to the next waiting task of this thread.
      if (waiter.woken) this.#handOn();
      throw error;
    } finally {
      timer?.cancel();
      if (!waiter.woken) this.#remove(waiter);
    }
  }

  // Mutex held.
  #add(waiter: Waiter): void {
    this.#waiters.push(waiter);
    if (this.#keepAlive === null) this.#keepAlive = setInterval(this.#dropAbandoned, ABANDONED_CHECK_MS);
    if (!this.#armed) this.#arm();
  }

  // A waiter that stopped waiting (resumed by its deadline, cancelled, failed).
  #remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    if (this.#waiters.length === 0) this.#release();
  }

  // A waiter resumed by the condition gave up without using it: resume the next one the condition lets through.
  #handOn(): void {
    const state = this.#state;
    lock(state);
    this.#resumeSome();
    unlock(state);
  }

  // Mutex held.
  #arm(): void {
    const state = this.#state;
    this.#armed = true;
    state[this.#arms]++;
    const wait = Atomics.waitAsync(state, this.#word, Atomics.load(state, this.#word));
    // The word only changes under the mutex, which this thread holds: the wait cannot fail its comparison.
    if (wait.async) wait.value.then(this.#onNotified);
    else queueMicrotask(this.#onNotified);
  }

  #onNotified = (): void => {
    const state = this.#state;
    lock(state);
    state[this.#arms]--;
    this.#armed = false;
    this.#resumeSome();
    if (this.#waiters.length > 0) this.#arm();
    unlock(state);
    if (this.#waiters.length === 0) this.#release();
  };

  // Mutex held.
  #resumeSome(): void {
    const waiters = this.#waiters;
    let allowed = this.#howMany(this.#state);
    while (allowed > 0 && waiters.length > 0) {
      const waiter = waiters.shift()!;
      if (waiter.resume()) {
        waiter.woken = true;
        allowed--;
      }
    }
  }

  #dropAbandoned = (): void => {
    const waiters = this.#waiters;
    for (let index = waiters.length - 1; index >= 0; index--) {
      if (waiters[index].future?.getLoop().isClosed()) waiters.splice(index, 1);
    }
    if (waiters.length === 0) this.#release();
  };

  #release(): void {
    if (this.#keepAlive !== null) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
  }
}

const ABANDONED_CHECK_MS = 1000;
