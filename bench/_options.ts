// Command-line options of the comparison scripts: `--name=value`, digits may be grouped with `_`.

/** The number given as `--name=…`, else `fallback`. */
export function option(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const arg = Deno.args.find((a) => a.startsWith(prefix));
  return arg === undefined ? fallback : Number(arg.slice(prefix.length).replaceAll("_", ""));
}
