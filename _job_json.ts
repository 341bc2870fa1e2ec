// How a job queue turns an item into the text it stores, refusing what JSON would change on the way: a job that
// comes back different from what was put (a dropped `undefined` field, a Date turned into a string, a Map turned
// into `{}`) is a bug found far from its cause, so `put()` names the offending value where it was made.

/**
 * The JSON text of `item`, or a TypeError naming the first part of it that JSON cannot carry faithfully: a
 * function, a symbol, a BigInt, `undefined`, a number that is not finite, a cycle, an array hole, a symbol key, or
 * an object other than a plain object or an array (a Date, a Map, a class instance…).
 *
 * @param item The value to encode.
 * @param path How the caller names it in a message (`item`, `items[3]`).
 * @param operation What refuses it, for the message (`Cannot put()`).
 */
export function encodeJob(item: unknown, path: string, operation: string): string {
  check(item, path, operation, []);
  return JSON.stringify(item);
}

function check(value: unknown, path: string, operation: string, ancestors: object[]): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) refuse(operation, path, `the number ${value}`, "JSON would store null");
      return;
    case "undefined":
      refuse(operation, path, "undefined", "JSON would drop it or store null");
      return;
    case "function":
      refuse(operation, path, `function ${value.name || "(anonymous)"}`, "a function cannot be stored as JSON");
      return;
    case "symbol":
      refuse(operation, path, String(value), "a symbol cannot be stored as JSON");
      return;
    case "bigint":
      refuse(operation, path, `the BigInt ${value}n`, "JSON cannot store a BigInt; pass it as a string");
      return;
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.includes(object)) refuse(operation, path, "a cyclic reference", "JSON cannot store a cycle");
  const proto = Object.getPrototypeOf(object);
  const isArray = Array.isArray(object);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    const name = (proto?.constructor as { name?: string } | undefined)?.name || "object";
    const hint = object instanceof Date ? "; pass date.toISOString()" : "; pass a plain object or an array";
    refuse(operation, path, `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`, `JSON would not bring it back${hint}`);
  }
  const symbols = Object.getOwnPropertySymbols(object).filter((key) => Object.hasOwn(object, key));
  if (symbols.length > 0) {
    refuse(operation, path, `an object with the symbol key ${String(symbols[0])}`, "JSON would drop that key");
  }
  ancestors.push(object);
  if (isArray) {
    const array = object as unknown[];
    for (let index = 0; index < array.length; index++) {
      if (!(index in array)) refuse(operation, `${path}[${index}]`, "an array hole", "JSON would store null");
      check(array[index], `${path}[${index}]`, operation, ancestors);
    }
  } else {
    for (const key of Object.keys(object)) {
      const child = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      check((object as Record<string, unknown>)[key], child, operation, ancestors);
    }
  }
  ancestors.pop();
}

function refuse(operation: string, path: string, what: string, why: string): never {
  throw new TypeError(`${operation}: ${path} is ${what}, which JSON cannot carry faithfully (${why})`);
}
