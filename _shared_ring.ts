// The shared memory of a ThreadQueue: its layout, its mutex and wake-up words, and the records of its ring buffer.
// thread_queue.ts holds the queue's API and decides when to wait; this module only reads and writes the memory.
//
// One SharedArrayBuffer: a header of Int32 fields, then the ring buffer of records. A record is an Int32 header
// (byte length * 4 + encoding, at a 4-aligned offset so that it never wraps) followed by the encoded item, padded
// to 4 bytes; only the item's bytes may wrap around the end of the ring.
//
// Every field is read and written under the mutex (LOCK), except the counts the inspection methods read. A thread
// that must wait reads a sequence word under the mutex, releases it, and sleeps on that word (Atomics.wait, or
// Atomics.waitAsync for the awaitable forms); whoever changes the condition bumps the word under the mutex and
// notifies it after releasing the mutex. A bump between the release and the sleep makes the sleep return at once,
// so no wake-up is lost.
//
// Blocked getters sleep on their own word and are woken one per item (a woken getter always takes an item or finds
// the queue empty again). Blocked putters are all woken when an item leaves: whether an item fits depends on its
// size. Awaiting tasks never sleep on the getters' word: a task that stops waiting (cancelled, timed out) cannot
// take its sleep back, and a one-per-item wake-up sent to it would be lost for a blocked thread. Instead each
// thread has at most one waitAsync per queue and condition, on words that are notified in full.

import { deserialize, serialize } from "node:v8";

const MAGIC = 0x54685175; // "ThQu": a buffer that holds a ThreadQueue
export const LOCK = 1; // 0 free, 1 held, 2 held and contended
export const COUNT = 2; // items in the queue
export const UNFINISHED = 3; // items put and not yet marked done by taskDone()
export const HEAD = 4; // byte offset of the oldest record
export const TAIL = 5; // byte offset where the next record goes
export const USED = 6; // bytes the records take
export const MAXSIZE = 7;
export const CAPACITY = 8; // bytes of the ring
export const NOT_EMPTY = 9; // sequence word of blocked getters
export const NOT_EMPTY_ASYNC = 10; // sequence word of awaiting getters
export const NOT_FULL = 11; // sequence word of blocked putters
export const NOT_FULL_ASYNC = 12; // sequence word of awaiting putters
export const ALL_DONE = 13; // sequence word of join() and joinAsync()
export const GETTERS = 14; // blocked getters
export const GETTERS_ASYNC = 15; // threads with a waitAsync on NOT_EMPTY_ASYNC
export const PUTTERS = 16; // blocked putters
export const PUTTERS_ASYNC = 17; // threads with a waitAsync on NOT_FULL_ASYNC
export const JOINERS = 18; // blocked joiners and threads with a waitAsync on ALL_DONE
export const HEADER_BYTES = 80;

export const DEFAULT_BUFFER_BYTES = 1 << 20;
export const MINIMUM_BUFFER_BYTES = 64;
// A record header is length * 4 + kind in an Int32.
export const MAXIMUM_BUFFER_BYTES = 2 ** 29;
export const MAXIMUM_MAXSIZE = 0x7fffffff;
const SPINS = 100;

/** Takes the mutex (spinning a little, then sleeping on it). */
export function lock(state: Int32Array): void {
  if (Atomics.compareExchange(state, LOCK, 0, 1) === 0) return;
  // The sections under the lock are copies of a few bytes: spin a little before sleeping.
  for (let spin = 0; spin < SPINS; spin++) {
    if (Atomics.load(state, LOCK) === 0 && Atomics.compareExchange(state, LOCK, 0, 1) === 0) return;
  }
  // Ulrich Drepper's futex mutex ("Futexes Are Tricky", mutex 3): 2 tells the holder someone sleeps.
  let previous = Atomics.exchange(state, LOCK, 2);
  while (previous !== 0) {
    Atomics.wait(state, LOCK, 2);
    previous = Atomics.exchange(state, LOCK, 2);
  }
}

/** Releases the mutex, waking one sleeper if any. */
export function unlock(state: Int32Array): void {
  if (Atomics.sub(state, LOCK, 1) !== 1) {
    Atomics.store(state, LOCK, 0);
    Atomics.notify(state, LOCK, 1);
  }
}

// What to notify once the mutex is released (bit flags, so the hot path allocates nothing).
export const WAKE_GETTER = 1;
export const WAKE_ASYNC_GETTERS = 2;
export const WAKE_PUTTERS = 4;
export const WAKE_ASYNC_PUTTERS = 8;
export const WAKE_JOINERS = 16;

export function notify(state: Int32Array, wake: number): void {
  if ((wake & WAKE_GETTER) !== 0) Atomics.notify(state, NOT_EMPTY, 1);
  if ((wake & WAKE_ASYNC_GETTERS) !== 0) Atomics.notify(state, NOT_EMPTY_ASYNC);
  if ((wake & WAKE_PUTTERS) !== 0) Atomics.notify(state, NOT_FULL);
  if ((wake & WAKE_ASYNC_PUTTERS) !== 0) Atomics.notify(state, NOT_FULL_ASYNC);
  if ((wake & WAKE_JOINERS) !== 0) Atomics.notify(state, ALL_DONE);
}

// Sleeps on `word` until it is bumped or `deadline` (performance.now() time) passes. Called and returns with the
// mutex held; `waiting` counts the sleepers so that nobody notifies a word nobody sleeps on.
export function sleepOn(state: Int32Array, word: number, waiting: number, deadline: number): void {
  state[waiting]++;
  const sequence = Atomics.load(state, word);
  unlock(state);
  Atomics.wait(state, word, sequence, deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now()));
  lock(state);
  state[waiting]--;
}

// ---- Records ------------------------------------------------------------------------------------------------

// How an item is stored: numbers as their 8 bytes and well-formed strings as UTF-8 (both many times faster than
// V8's serializer), anything else as a V8 structured clone.
/** A record holding a V8 structured clone. */
export const KIND_CLONE = 0;
/** A record holding a number's 8 bytes. */
export const KIND_NUMBER = 1;
/** A record holding a string's UTF-8. */
export const KIND_STRING = 2;
const scratchNumber = new Float64Array(1);
const scratchNumberBytes = new Uint8Array(scratchNumber.buffer);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** How `item` is stored. */
export function kindOf(item: unknown): number {
  if (typeof item === "number") return KIND_NUMBER;
  // A lone surrogate has no UTF-8 form: such a string goes through the structured clone, which keeps it.
  if (typeof item === "string" && item.isWellFormed()) return KIND_STRING;
  return KIND_CLONE;
}

/**
 * The bytes of `item` as `kind` says; with `keep` false, a number's bytes are a scratch buffer (valid until the next
 * call). Throws the serializer's error for a value that cannot be cloned.
 */
export function encodeItem(item: unknown, kind: number, keep: boolean): Uint8Array {
  if (kind === KIND_NUMBER) {
    scratchNumber[0] = item as number;
    return keep ? scratchNumberBytes.slice() : scratchNumberBytes;
  }
  if (kind === KIND_STRING) return utf8Encoder.encode(item as string);
  return serialize(item);
}

/** The item a record held: what `SharedRing.read()` returned, decoded as `kind` says. */
export function decodeItem(raw: unknown, kind: number): unknown {
  if (kind === KIND_NUMBER) return raw;
  return kind === KIND_STRING ? utf8Decoder.decode(raw as Uint8Array) : deserialize(raw as Uint8Array);
}

/** The bytes a record of an item of `length` bytes takes in the ring: its header and the item, padded. */
export function recordBytes(length: number): number {
  return 4 + ((length + 3) & ~3);
}

/**
 * One ThreadQueue's memory: the header fields (`state`) and the ring of records. Every method but the constructors
 * is called with the mutex held.
 */
export class SharedRing {
  /** The whole shared memory. */
  readonly buffer: SharedArrayBuffer;
  /** The header fields (indices above). */
  readonly state: Int32Array;
  /** The most items (0: unbounded). */
  readonly maxsize: number;
  /** The ring's bytes. */
  readonly capacity: number;
  /** The kind of the record the last `read()` took. */
  readKind = KIND_CLONE;
  #bytes: Uint8Array;
  // The Int32 view of the ring, for the record headers (length * 4 + kind).
  #headers: Int32Array;

  /** Makes a ring over `buffer`, which holds a ThreadQueue's memory (see `create` and `adopt`). */
  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    const state = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.state = state;
    this.capacity = state[CAPACITY];
    this.maxsize = state[MAXSIZE];
    this.#bytes = new Uint8Array(buffer, HEADER_BYTES, this.capacity);
    this.#headers = new Int32Array(buffer, HEADER_BYTES, this.capacity / 4);
  }

  /** New shared memory for a queue of `maxsize` items with a ring of `ringBytes` (4-aligned). */
  static create(maxsize: number, ringBytes: number): SharedRing {
    const buffer = new SharedArrayBuffer(HEADER_BYTES + ringBytes);
    const state = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    state[MAXSIZE] = maxsize;
    state[CAPACITY] = ringBytes;
    Atomics.store(state, 0, MAGIC);
    return new SharedRing(buffer);
  }

  /** The ring over memory another thread made, or null if `buffer` does not hold a ThreadQueue's. */
  static adopt(buffer: unknown): SharedRing | null {
    if (
      !(buffer instanceof SharedArrayBuffer) || buffer.byteLength < HEADER_BYTES + MINIMUM_BUFFER_BYTES ||
      Atomics.load(new Int32Array(buffer, 0, 1), 0) !== MAGIC
    ) return null;
    return new SharedRing(buffer);
  }

  /** Whether a record of `length` bytes may go in now (the count is below maxsize, and its bytes fit). */
  fits(length: number): boolean {
    const state = this.state;
    if (this.maxsize > 0 && state[COUNT] >= this.maxsize) return false;
    return state[USED] + recordBytes(length) <= this.capacity;
  }

  /** Appends the record; returns whom to notify (`WAKE_…` flags). */
  write(bytes: Uint8Array, kind: number): number {
    const state = this.state;
    const capacity = this.capacity;
    const length = bytes.length;
    const tail = state[TAIL];
    this.#headers[tail >> 2] = length * 4 + kind;
    let start = tail + 4;
    if (start === capacity) start = 0;
    const room = capacity - start;
    if (length <= room) {
      this.#bytes.set(bytes, start);
    } else {
      this.#bytes.set(bytes.subarray(0, room), start);
      this.#bytes.set(bytes.subarray(room), 0);
    }
    const size = recordBytes(length);
    const next = tail + size;
    state[TAIL] = next >= capacity ? next - capacity : next;
    state[USED] += size;
    state[COUNT]++;
    state[UNFINISHED]++;
    let wake = 0;
    if (state[GETTERS] > 0) {
      Atomics.add(state, NOT_EMPTY, 1);
      wake = WAKE_GETTER;
    }
    if (state[GETTERS_ASYNC] > 0) {
      Atomics.add(state, NOT_EMPTY_ASYNC, 1);
      wake |= WAKE_ASYNC_GETTERS;
    }
    return wake;
  }

  /** With COUNT > 0: removes the oldest record; returns the number it holds or a copy of its bytes (readKind says). */
  read(): unknown {
    const state = this.state;
    const capacity = this.capacity;
    const head = state[HEAD];
    const header = this.#headers[head >> 2];
    const length = header >>> 2;
    const kind = header & 3;
    this.readKind = kind;
    let start = head + 4;
    if (start === capacity) start = 0;
    const bytes = kind === KIND_NUMBER ? scratchNumberBytes : new Uint8Array(length);
    const room = capacity - start;
    if (length <= room) {
      bytes.set(this.#bytes.subarray(start, start + length));
    } else {
      bytes.set(this.#bytes.subarray(start, capacity));
      bytes.set(this.#bytes.subarray(0, length - room), room);
    }
    const size = recordBytes(length);
    const next = head + size;
    state[HEAD] = next >= capacity ? next - capacity : next;
    state[USED] -= size;
    state[COUNT]--;
    return kind === KIND_NUMBER ? scratchNumber[0] : bytes;
  }

  /** After `read()`: whom to notify. */
  afterRead(): number {
    const state = this.state;
    let wake = 0;
    if (state[PUTTERS] > 0) {
      Atomics.add(state, NOT_FULL, 1);
      wake = WAKE_PUTTERS;
    }
    if (state[PUTTERS_ASYNC] > 0) {
      Atomics.add(state, NOT_FULL_ASYNC, 1);
      wake |= WAKE_ASYNC_PUTTERS;
    }
    return wake;
  }
}
