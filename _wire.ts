// Objects that cross threads as themselves. Structured clone copies plain data and SharedArrayBuffers, but it
// loses classes: a ThreadQueue handed to a worker must arrive as a ThreadQueue sharing the same memory. Such a
// class implements `[WIRE]()` (its SharedArrayBuffers and settings) and registers how to rebuild itself; the
// thread plumbing encodes every argument and result with `toWire` and decodes with `fromWire`.

/** The method a class implements to cross threads as itself. */
export const WIRE: unique symbol = Symbol.for("@aio/asyncio.wire");

/** What `[WIRE]()` returns: the registered type name and structured-cloneable data. */
export interface WireForm {
  type: string;
  data: unknown;
}

/** A value that crosses threads as itself. */
export interface WireEncodable {
  [WIRE](): WireForm;
}

const MARK = "__aioWire";
const decoders = new Map<string, (data: unknown) => unknown>();

/** Registers how to rebuild a type on the receiving thread (call it when the class's module loads). */
export function registerWireType(type: string, decode: (data: unknown) => unknown): void {
  decoders.set(type, decode);
}

/** Encodes one value for postMessage: wire-encodable objects become a marked record, the rest is unchanged. */
export function toWire(value: unknown): unknown {
  if (value !== null && typeof value === "object" && typeof (value as WireEncodable)[WIRE] === "function") {
    const form = (value as WireEncodable)[WIRE]();
    return { [MARK]: form.type, data: form.data };
  }
  return value;
}

/** Decodes what `toWire` made. */
export function fromWire(value: unknown): unknown {
  if (value !== null && typeof value === "object" && MARK in value) {
    const type = (value as Record<string, unknown>)[MARK] as string;
    const decode = decoders.get(type);
    if (decode === undefined) {
      throw new TypeError(`Cannot rebuild a ${type} received from another thread: its module is not loaded here`);
    }
    return decode((value as unknown as { data: unknown }).data);
  }
  return value;
}
