/**
 * The house rules of the root modules (`./*.ts`), as the structure issue set them:
 *
 * - no module over 450 lines of code (blank lines and comment lines aside);
 * - every `@example` has a title (`@example Some title`, std's rule);
 * - re-exports (`export … from`) only in `mod.ts` and the front module `threads.ts` — and `task.ts`'s `sleep`,
 *   which the agreed surface lists with the task functions: a module imports what it needs from where it is
 *   defined.
 *
 * Run: `deno run -A .ci/module_rules.ts` — prints one line on success, each breach otherwise (exit code 1).
 */

const root: URL = new URL("../", import.meta.url);
const MAX_CODE_LINES = 450;
const REEXPORTING = new Set(["mod.ts", "threads.ts"]);
const ALLOWED_REEXPORTS = new Set(['task.ts: export { sleep } from "./sleep.ts";']);

/** Lines that hold code: not blank, not only a comment (block comments and `//` lines), strings kept intact. */
function codeLines(text: string): number {
  let count = 0;
  let inBlock = false;
  let inTemplate = false;
  for (const line of text.split("\n")) {
    let hasCode = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (inBlock) {
        if (c === "*" && line[i + 1] === "/") {
          inBlock = false;
          i++;
        }
        continue;
      }
      if (inTemplate) {
        hasCode = true;
        if (c === "\\") i++;
        else if (c === "`") inTemplate = false;
        continue;
      }
      if (c === " " || c === "\t" || c === "\r") continue;
      if (c === "/" && line[i + 1] === "*") {
        inBlock = true;
        i++;
        continue;
      }
      if (c === "/" && line[i + 1] === "/") break;
      hasCode = true;
      if (c === "`") inTemplate = true;
      else if (c === '"' || c === "'") {
        for (i++; i < line.length && line[i] !== c; i++) if (line[i] === "\\") i++;
      }
    }
    if (hasCode || inTemplate) count++;
  }
  return count;
}

const breaches: string[] = [];
const names = [...Deno.readDirSync(root)].filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
  .map((entry) => entry.name).sort();
let largest = { name: "", lines: 0 };
for (const name of names) {
  const text = Deno.readTextFileSync(new URL(name, root));
  const lines = codeLines(text);
  if (lines > largest.lines) largest = { name, lines };
  if (lines > MAX_CODE_LINES) breaches.push(`${name}: ${lines} lines of code (at most ${MAX_CODE_LINES})`);
  text.split("\n").forEach((line, index) => {
    if (/^\s*\*\s*@example\s*$/.test(line)) breaches.push(`${name}:${index + 1}: an @example without a title`);
    const reexport = /^export\s+(type\s+)?(\*|\{[^}]*\})(\s+as\s+\w+)?\s+from\s/.test(line);
    if (reexport && !REEXPORTING.has(name) && !ALLOWED_REEXPORTS.has(`${name}: ${line.trim()}`)) {
      breaches.push(`${name}:${index + 1}: a re-export outside mod.ts and the front modules: ${line.trim()}`);
    }
  });
}

if (breaches.length > 0) {
  for (const breach of breaches) console.log(breach);
  Deno.exit(1);
}
console.log(
  `${names.length} root modules: all ≤ ${MAX_CODE_LINES} lines of code (largest ${largest.name}, ${largest.lines}), ` +
    "every @example titled, re-exports only in the front modules",
);
