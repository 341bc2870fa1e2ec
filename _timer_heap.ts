// A binary min-heap of timers ordered by (deadline, scheduling order): the loop's one place that knows which
// timer is next, so the loop needs a single host timer however many sleeps are pending. Equal deadlines come out
// in the order they were scheduled (FIFO), as CPython's heapq of (when, seq) handles.

/**
 * What the heap holds: a `TimerHandle`, or a sleep's future, which is its own timer so that a sleep costs one
 * object rather than a future, a handle and an argument array.
 */
export interface TimerEntry {
  /** The loop time it is due at. */
  readonly _when: number;
  /** The order it was scheduled in: the tie-breaker for equal deadlines. */
  _sequence: number;
  /** Whether it sits in a loop's heap (a cancel then counts towards a clean-up). */
  _scheduled: boolean;
  /** Whether it was cancelled (the heap drops it lazily). */
  _isCancelled(): boolean;
  /** Runs it; called by the loop when it is due. */
  _fire(): void;
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  const aWhen = a._when;
  const bWhen = b._when;
  return aWhen < bWhen || (aWhen === bWhen && a._sequence < b._sequence);
}

/** Min-heap of timers. */
export class TimerHeap {
  #items: TimerEntry[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): TimerEntry | undefined {
    return this.#items[0];
  }

  push(timer: TimerEntry): void {
    const items = this.#items;
    let index = items.length;
    items.push(timer);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(timer, items[parent])) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = timer;
  }

  pop(): TimerEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) this.#siftDown(last, 0);
    return top;
  }

  /** Drops the cancelled timers and rebuilds the heap (cheaper than popping them one by one). */
  removeCancelled(): void {
    const kept = this.#items.filter((timer) => {
      if (!timer._isCancelled()) return true;
      timer._scheduled = false;
      return false;
    });
    this.#items = kept;
    for (let index = (kept.length >> 1) - 1; index >= 0; index--) this.#siftDown(kept[index], index);
  }

  clear(): void {
    for (const timer of this.#items) timer._scheduled = false;
    this.#items = [];
  }

  #siftDown(timer: TimerEntry, start: number): void {
    const items = this.#items;
    const length = items.length;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && before(items[child + 1], items[child])) child++;
      if (!before(items[child], timer)) break;
      items[index] = items[child];
      index = child;
    }
    items[index] = timer;
  }
}
