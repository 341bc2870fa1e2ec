// The item stores of the queues — the part that differs between Queue (a FIFO ring buffer), LifoQueue (a stack)
// and PriorityQueue (a binary heap) — as CPython's queues differ only in `_init`, `_put` and `_get`. The FIFO also
// holds each queue's lines of waiting getters and putters.

/** Where a queue keeps its items, in the order they come out (CPython's `_init` / `_put` / `_get`). */
export interface ItemStore<T> {
  /** How many items it holds. */
  readonly size: number;
  /** Adds an item. */
  push(item: T): void;
  /** Removes and returns the item that comes out next; only called when `size > 0`. */
  take(): T;
  /** Drops every item. */
  clear(): void;
}

// A FIFO of items: a ring buffer whose capacity is a power of two, doubled when full, so push and take are O(1)
// without copying (Array#shift is O(n); a moving head over a growing array must compact). Also holds the waiting
// getters and putters.
export class Deque<T> implements ItemStore<T> {
  #buffer: (T | undefined)[] = new Array(8);
  #mask = 7;
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size > this.#mask) this.#grow();
    this.#buffer[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  take(): T {
    const buffer = this.#buffer;
    const head = this.#head;
    const item = buffer[head] as T;
    buffer[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  remove(item: T): boolean {
    const buffer = this.#buffer;
    const mask = this.#mask;
    for (let i = 0; i < this.#size; i++) {
      if (buffer[(this.#head + i) & mask] !== item) continue;
      // Close the gap by moving the later entries one slot towards the head.
      for (let j = i; j < this.#size - 1; j++) {
        buffer[(this.#head + j) & mask] = buffer[(this.#head + j + 1) & mask];
      }
      buffer[(this.#head + this.#size - 1) & mask] = undefined;
      this.#size--;
      return true;
    }
    return false;
  }

  clear(): void {
    this.#buffer = new Array(8);
    this.#mask = 7;
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#buffer;
    const buffer: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) buffer[i] = old[(this.#head + i) & this.#mask];
    this.#buffer = buffer;
    this.#mask = buffer.length - 1;
    this.#head = 0;
  }
}

// Last in, first out (LifoQueue).
export class Stack<T> implements ItemStore<T> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  take(): T {
    return this.#items.pop() as T;
  }

  clear(): void {
    this.#items = [];
  }
}

// A binary min-heap under `compare`. Each entry carries its insertion number, and ties are broken by it, so items
// that compare equal come out first-in first-out.
export class Heap<T> implements ItemStore<T> {
  #items: T[] = [];
  #order: number[] = [];
  #counter = 0;
  #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    const order = this.#order;
    const sequence = this.#counter++;
    let index = items.length;
    items.push(item);
    order.push(sequence);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(item, sequence, items[parent], order[parent])) break;
      items[index] = items[parent];
      order[index] = order[parent];
      index = parent;
    }
    items[index] = item;
    order[index] = sequence;
  }

  take(): T {
    const items = this.#items;
    const order = this.#order;
    const top = items[0];
    const lastItem = items.pop() as T;
    const lastOrder = order.pop() as number;
    const size = items.length;
    if (size === 0) {
      this.#counter = 0;
      return top;
    }
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      if (child + 1 < size && this.#before(items[child + 1], order[child + 1], items[child], order[child])) child++;
      if (!this.#before(items[child], order[child], lastItem, lastOrder)) break;
      items[index] = items[child];
      order[index] = order[child];
      index = child;
    }
    items[index] = lastItem;
    order[index] = lastOrder;
    return top;
  }

  clear(): void {
    this.#items = [];
    this.#order = [];
    this.#counter = 0;
  }

  #before(a: T, aOrder: number, b: T, bOrder: number): boolean {
    const comparison = this.#compare(a, b);
    return comparison < 0 || (!(comparison > 0) && aOrder < bOrder);
  }
}
