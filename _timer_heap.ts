// A binary min-heap of timers ordered by (deadline, scheduling order): the loop's one place that knows which
// timer is next, so the loop needs a single host timer however many sleeps are pending. Equal deadlines come out
// in the order they were scheduled (FIFO), as CPython's heapq of (when, seq) handles.

/**
 * What the heap holds: a `TimerHandle`, or a sleep's future, which is its own timer so that a sleep costs one
 * object rather than a future, a handle and an argument array.
 */
export interface TimerEntry {
  /** Whether it sits in a loop's heap (a cancel then counts towards a clean-up). */
  _scheduled: boolean;
  /** Whether it was cancelled (the heap drops it lazily). */
  _isCancelled(): boolean;
  /** Runs it; called by the loop when it is due. */
  _fire(): void;
}

/**
 * Min-heap of timers. The keys — deadline and sequence — live in typed arrays beside the entries, so sifting
 * compares numbers in two contiguous arrays instead of reading two timer objects scattered over the heap at every
 * step: with 200k sleeps pending that was the loop's largest cost after garbage collection.
 */
export class TimerHeap {
  #items: (TimerEntry | undefined)[] = [];
  #whens: Float64Array = new Float64Array(64);
  #sequences: Float64Array = new Float64Array(64);
  #size = 0;
  // The order timers were pushed in: the tie-breaker for equal deadlines.
  #nextSequence = 0;

  get size(): number {
    return this.#size;
  }

  peek(): TimerEntry | undefined {
    return this.#items[0];
  }

  /** The deadline of the first timer (undefined if the heap is empty). */
  peekWhen(): number | undefined {
    return this.#size === 0 ? undefined : this.#whens[0];
  }

  /** Adds `timer`, due at loop time `when`. */
  push(timer: TimerEntry, when: number): void {
    if (this.#size === this.#whens.length) this.#grow();
    const items = this.#items;
    const whens = this.#whens;
    const sequences = this.#sequences;
    const sequence = this.#nextSequence++;
    let index = this.#size++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentWhen = whens[parent];
      if (when > parentWhen || (when === parentWhen && sequence > sequences[parent])) break;
      items[index] = items[parent];
      whens[index] = parentWhen;
      sequences[index] = sequences[parent];
      index = parent;
    }
    items[index] = timer;
    whens[index] = when;
    sequences[index] = sequence;
  }

  pop(): TimerEntry | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const top = items[0];
    const last = --this.#size;
    const moved = items[last]!;
    items[last] = undefined;
    if (last > 0) this.#siftDown(moved, this.#whens[last], this.#sequences[last], 0);
    return top;
  }

  /** Drops the cancelled timers and rebuilds the heap (cheaper than popping them one by one). */
  removeCancelled(): void {
    const items = this.#items;
    const whens = this.#whens;
    const sequences = this.#sequences;
    let kept = 0;
    for (let index = 0; index < this.#size; index++) {
      const timer = items[index]!;
      if (timer._isCancelled()) {
        timer._scheduled = false;
        continue;
      }
      items[kept] = timer;
      whens[kept] = whens[index];
      sequences[kept] = sequences[index];
      kept++;
    }
    for (let index = kept; index < this.#size; index++) items[index] = undefined;
    this.#size = kept;
    for (let index = (kept >> 1) - 1; index >= 0; index--) {
      this.#siftDown(items[index]!, whens[index], sequences[index], index);
    }
  }

  clear(): void {
    for (let index = 0; index < this.#size; index++) this.#items[index]!._scheduled = false;
    this.#items = [];
    this.#size = 0;
  }

  #siftDown(timer: TimerEntry, when: number, sequence: number, start: number): void {
    const items = this.#items;
    const whens = this.#whens;
    const sequences = this.#sequences;
    const length = this.#size;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      let childWhen = whens[child];
      const right = child + 1;
      if (right < length) {
        const rightWhen = whens[right];
        if (rightWhen < childWhen || (rightWhen === childWhen && sequences[right] < sequences[child])) {
          child = right;
          childWhen = rightWhen;
        }
      }
      if (when < childWhen || (when === childWhen && sequence < sequences[child])) break;
      items[index] = items[child];
      whens[index] = childWhen;
      sequences[index] = sequences[child];
      index = child;
    }
    items[index] = timer;
    whens[index] = when;
    sequences[index] = sequence;
  }

  #grow(): void {
    const whens = new Float64Array(this.#whens.length * 2);
    whens.set(this.#whens);
    this.#whens = whens;
    const sequences = new Float64Array(this.#sequences.length * 2);
    sequences.set(this.#sequences);
    this.#sequences = sequences;
  }
}
