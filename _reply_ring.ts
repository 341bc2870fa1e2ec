// Small outcomes of a worker's calls, in shared memory: the fast lane of the replies.
//
// A reply posted on a MessagePort costs the worker a structured clone and a post, and the host a message event plus a
// synchronous receive; for a call that returns a number, a boolean, nothing or a short string, most of a round trip
// is that. So the worker writes such a result into this ring (one producer: the worker's thread; one consumer: the
// host) and wakes the host through shared memory — `Atomics.notify` on the ring's tail, which the host watches with
// `Atomics.waitAsync`, and the doorbell a blocked `result()` sleeps on. Anything else, and any result when the ring
// is full, goes on the port as before.
//
// Every reply, on either lane, carries the worker's sequence number, and the host handles them in that order (see
// _worker_link.ts), so the two lanes never reorder the outcomes of a worker.

// The header: the tail (slots written, by the worker) and the head (slots read, by the host), free-running counts.
const TAIL = 0;
const HEAD = 1;
const HEADER_WORDS = 4;
// A slot: sequence number, call id, kind, and the value (a number, a boolean, or a string's UTF-8 bytes).
const SLOTS = 256;
const SLOT_WORDS = 16;
const SEQ = 0;
const ID = 1;
const KIND = 2;
const LENGTH = 3; // a boolean's value, or a string's byte length
const PAYLOAD_WORD = 4;
const PAYLOAD_BYTES = (SLOT_WORDS - PAYLOAD_WORD) * 4;

const KIND_UNDEFINED = 0;
const KIND_NULL = 1;
const KIND_BOOLEAN = 2;
const KIND_NUMBER = 3;
const KIND_STRING = 4;

/** The bytes of a ring's shared memory. */
export const REPLY_RING_BYTES = (HEADER_WORDS + SLOTS * SLOT_WORDS) * 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One worker's reply ring, seen from either side. */
export class ReplyRing {
  /** The header and slots as Int32 words (the host waits on `words[0]`, the tail). */
  readonly words: Int32Array;
  #numbers: Float64Array;
  #bytes: Uint8Array;
  /** The call id of the reply `take()` returned. */
  takenId = 0;

  /** A view of `buffer`, made by `newReplyRingBuffer()` on the host and passed to the worker. */
  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.#numbers = new Float64Array(buffer);
    this.#bytes = new Uint8Array(buffer);
  }

  /** The index of the tail word, for `Atomics.waitAsync(ring.words, ReplyRing.TAIL, seen)`. */
  static readonly TAIL: number = TAIL;

  // ---- The worker's side ----

  /**
   * Writes the result of call `id` if it is small enough (undefined, null, a boolean, a number, a well-formed string
   * of at most 48 UTF-8 bytes) and a slot is free; returns whether it did. The caller then wakes the host.
   */
  tryWrite(seq: number, id: number, value: unknown): boolean {
    const words = this.words;
    const tail = words[TAIL];
    if (tail - Atomics.load(words, HEAD) >= SLOTS) return false;
    const base = HEADER_WORDS + (tail & (SLOTS - 1)) * SLOT_WORDS;
    switch (typeof value) {
      case "undefined":
        words[base + KIND] = KIND_UNDEFINED;
        break;
      case "boolean":
        words[base + KIND] = KIND_BOOLEAN;
        words[base + LENGTH] = value ? 1 : 0;
        break;
      case "number":
        words[base + KIND] = KIND_NUMBER;
        this.#numbers[(base + PAYLOAD_WORD) >> 1] = value;
        break;
      case "string": {
        // Each UTF-16 unit takes at least one byte; a lone surrogate has no UTF-8 form.
        if (value.length > PAYLOAD_BYTES || !value.isWellFormed()) return false;
        const start = (base + PAYLOAD_WORD) * 4;
        const { read, written } = encoder.encodeInto(value, this.#bytes.subarray(start, start + PAYLOAD_BYTES));
        if (read < value.length) return false;
        words[base + KIND] = KIND_STRING;
        words[base + LENGTH] = written;
        break;
      }
      default:
        if (value !== null) return false;
        words[base + KIND] = KIND_NULL;
    }
    words[base + SEQ] = seq;
    words[base + ID] = id;
    // Publishes the slot: the host reads it only once it sees the new tail.
    Atomics.store(words, TAIL, tail + 1);
    return true;
  }

  // ---- The host's side ----

  /** How many replies the host has read (the head): the tail differs from it while some are unread. */
  readCount(): number {
    return this.words[HEAD];
  }

  /** The sequence number of the oldest unread reply, or -1 if there is none. */
  nextSeq(): number {
    const words = this.words;
    const head = words[HEAD];
    if (Atomics.load(words, TAIL) === head) return -1;
    return words[HEADER_WORDS + (head & (SLOTS - 1)) * SLOT_WORDS + SEQ];
  }

  /** Removes the oldest reply (there must be one) and returns its value; its call id is then `takenId`. */
  take(): unknown {
    const words = this.words;
    const head = words[HEAD];
    const base = HEADER_WORDS + (head & (SLOTS - 1)) * SLOT_WORDS;
    this.takenId = words[base + ID];
    let value: unknown;
    switch (words[base + KIND]) {
      case KIND_NULL:
        value = null;
        break;
      case KIND_BOOLEAN:
        value = words[base + LENGTH] === 1;
        break;
      case KIND_NUMBER:
        value = this.#numbers[(base + PAYLOAD_WORD) >> 1];
        break;
      case KIND_STRING: {
        const start = (base + PAYLOAD_WORD) * 4;
        // TextDecoder does not read shared memory: decode a copy.
        value = decoder.decode(this.#bytes.slice(start, start + words[base + LENGTH]));
        break;
      }
    }
    // Frees the slot for the worker.
    Atomics.store(words, HEAD, head + 1);
    return value;
  }
}

/** New shared memory for a ring. */
export function newReplyRingBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(REPLY_RING_BYTES);
}
