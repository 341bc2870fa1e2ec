// The error for an awaitable awaited where no event loop runs: nothing could ever finish it, so it is refused at
// once rather than left to hang (CPython: "RuntimeError: no running event loop").

import { InvalidStateError } from "./errors.ts";

/** An `InvalidStateError` saying that `what` was awaited with no running loop, and how to run it instead. */
export function noRunningLoopError(what: string): InvalidStateError {
  return new InvalidStateError(
    `Cannot await ${what}: no event loop is running, so it could never finish; ` +
      "run the code that awaits it in a task, e.g. `await run(main)`",
  );
}
