// How a task throws an error into an async function's parked await without keeping the await's reject function:
// it resolves the await with a `Rejection`, a thenable that rejects — one more microtask, on the rarer path.
//
// A leaf module: it imports nothing.

/** A thenable that rejects with `error`: resolving an await with it makes the await throw. */
export class Rejection {
  #error: unknown;
  constructor(error: unknown) {
    this.#error = error;
  }
  /** Calls `onRejected(error)`. */
  then(_onFulfilled: unknown, onRejected: (reason: unknown) => void): void {
    onRejected(this.#error);
  }
}
