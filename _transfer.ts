// Values marked with `transfer()` (worker_module.ts) are moved to the other thread instead of copied. The marks live in a
// WeakMap on a global symbol, so that the copy of this module a worker's job imports (maybe through another URL)
// and the one the worker bootstrap imports see the same marks.

const MARKS = Symbol.for("@aio/asyncio.transfer-marks");

type Marks = WeakMap<object, Transferable[]>;

// Shared by every message without transfers; postMessage only reads it.
const NO_TRANSFERS: Transferable[] = [];

function marks(): Marks {
  const holder = globalThis as unknown as { [MARKS]?: Marks };
  return holder[MARKS] ??= new WeakMap();
}

/** Records that `value`, when sent as an argument or a result, moves `transferList` to the receiving thread. */
export function markTransfer(value: object, transferList: Transferable[]): void {
  marks().set(value, transferList);
}

/**
 * The transfer list for a message whose top-level values are `values` (or views of marked buffers): every marked
 * value's list, each mark used once (a transferred buffer is detached; it cannot be sent again).
 */
export function takeTransfers(values: readonly unknown[]): Transferable[] {
  const table = marks();
  let list: Transferable[] | null = null;
  for (const value of values) {
    if (value === null || typeof value !== "object") continue;
    // A view of a marked buffer (`new Uint8Array(transfer(buffer))`) moves the buffer.
    const marked = table.has(value) ? value : ArrayBuffer.isView(value) ? value.buffer : null;
    const transferList = marked === null ? undefined : table.get(marked);
    if (transferList === undefined) continue;
    table.delete(marked!);
    (list ??= []).push(...transferList);
  }
  return list ?? NO_TRANSFERS;
}
