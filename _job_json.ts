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
  const keys: (string | number)[] = [];
  const problem = check(item, keys, []);
  if (problem !== null) {
    throw new TypeError(`${operation}: ${pathOf(path, keys)} is ${problem}`);
  }
  return JSON.stringify(item);
}

// The path of the offending value, built only when there is one: `item.a.b[1]`, `item["a b"]`.
function pathOf(root: string, keys: (string | number)[]): string {
  let path = root;
  for (const key of keys) {
    if (typeof key === "number") path += `[${key}]`;
    else path += /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return path;
}

const faithful = (what: string, why: string): string => `${what}, which JSON cannot carry faithfully (${why})`;

// What is wrong with `value` (`keys` then lead to it), or null. `ancestors` are the objects on the way to it.
function check(value: unknown, keys: (string | number)[], ancestors: object[]): string | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return Number.isFinite(value) ? null : faithful(`the number ${value}`, "JSON would store null");
    case "undefined":
      return faithful("undefined", "JSON would drop it or store null");
    case "function":
      return faithful(`function ${value.name || "(anonymous)"}`, "a function cannot be stored as JSON");
    case "symbol":
      return faithful(String(value), "a symbol cannot be stored as JSON");
    case "bigint":
      return faithful(`the BigInt ${value}n`, "JSON cannot store a BigInt; pass it as a string");
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) return faithful("a cyclic reference", "JSON cannot store a cycle");
  const proto = Object.getPrototypeOf(object);
  const isArray = Array.isArray(object);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    const name = (proto?.constructor as { name?: string } | undefined)?.name || "object";
    const hint = object instanceof Date ? "; pass date.toISOString()" : "; pass a plain object or an array";
    return faithful(`${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`, `JSON would not bring it back${hint}`);
  }
  const symbols = Object.getOwnPropertySymbols(object);
  for (const key of symbols) {
    if (Object.prototype.propertyIsEnumerable.call(object, key)) {
      return faithful(`an object with the symbol key ${String(key)}`, "JSON would drop that key");
    }
  }
  ancestors.push(object);
  if (isArray) {
    const array = object as unknown[];
    for (let index = 0; index < array.length; index++) {
      keys.push(index);
      if (!(index in array)) return faithful("an array hole", "JSON would store null");
      const problem = check(array[index], keys, ancestors);
      if (problem !== null) return problem;
      keys.pop();
    }
  } else {
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      keys.push(key);
      const problem = check((object as Record<string, unknown>)[key], keys, ancestors);
      if (problem !== null) return problem;
      keys.pop();
    }
  }
  ancestors.pop();
  return null;
}
