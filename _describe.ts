// Error messages name the value they refused; this makes that name short and readable.

/** Describes a value for an error message: strings quoted, functions and objects by name. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "number") return String(value);
  // As written in code: 10n, not 10 (which would read as a number).
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  const name = ctor?.name ? `${/^[AEIOU]/.test(ctor.name) ? "an" : "a"} ${ctor.name}` : "an object";
  const text = String(value);
  return text.startsWith("<") ? text : name;
}
