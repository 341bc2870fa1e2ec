// Why a value cannot cross to another thread. Structured clone refuses functions, symbols and a few kinds of
// objects (WeakMap, Promise, …), wherever they sit inside the value, and its DataCloneError names neither the kind
// nor the place. This finds the first refused part and says what and where it is, for the error messages of the
// thread plumbing and of ThreadQueue. Only called after a clone failed, so its cost is not on the normal path.

/** What in a value structured clone refuses: its kind (`a function`) and where it sits (`.options.onDone`). */
export interface Uncloneable {
  /** The refused part's kind, with an article: `a function`, `a symbol`, `a WeakMap`. */
  kind: string;
  /** Its place inside the value (`.a[2]`, `Map value 1`), or "" for the value itself. */
  path: string;
}

const MAX_DEPTH = 16;

/**
 * The first part of `value` that structured clone refuses, or null when the whole value can be cloned (it may still
 * fail to be posted, e.g. a transfer list that names a detached buffer).
 */
export function findUncloneable(value: unknown): Uncloneable | null {
  if (isPlainCloneable(value)) return null;
  return search(value, "", new Set(), 0);
}

/** `what`, followed by where it sits when that is not the value itself: `a function at .onDone`. */
export function describeUncloneable(found: Uncloneable): string {
  return found.path === "" ? found.kind : `${found.kind} at ${found.path}`;
}

function search(value: unknown, path: string, seen: Set<object>, depth: number): Uncloneable | null {
  if (typeof value === "function") return { kind: `a function${value.name ? ` (${value.name})` : ""}`, path };
  if (typeof value === "symbol") return { kind: "a symbol", path };
  if (value === null || typeof value !== "object" || seen.has(value)) return null;
  if (isPlainCloneable(value)) return null;
  seen.add(value);
  if (depth < MAX_DEPTH) {
    for (const [key, child] of children(value)) {
      const found = search(child, path + key, seen, depth + 1);
      if (found !== null) return found;
    }
  }
  // Refused as a whole (a WeakMap, a Promise, a class of the host), or too deep to look further.
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return {
    kind: typeof name === "string" && name !== "" ? `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}` : "an object",
    path,
  };
}

function children(value: object): [string, unknown][] {
  if (Array.isArray(value)) return value.map((child, index) => [`[${index}]`, child]);
  if (value instanceof Map) {
    const entries: [string, unknown][] = [];
    let index = 0;
    for (const [key, child] of value) {
      entries.push([`<Map key ${index}>`, key], [`<Map value ${index}>`, child]);
      index++;
    }
    return entries;
  }
  if (value instanceof Set) return [...value].map((child, index) => [`<Set item ${index}>`, child]);
  return Object.keys(value).map((
    key,
  ) => [
    /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`,
    (value as Record<string, unknown>)[key],
  ]);
}

function isPlainCloneable(value: unknown): boolean {
  if (typeof value === "function" || typeof value === "symbol") return false;
  if (value === null || typeof value !== "object") return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
