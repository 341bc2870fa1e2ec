/**
 * Fails on any cycle of value imports among the root modules (`./*.ts`), as std's `lint:circular` does for its
 * packages. A value import makes the importer wait for the imported module to be evaluated; in a cycle one of them
 * sees the other half-initialised (a `class` not yet defined, a `const` in its temporal dead zone), depending on
 * which module a user happens to import first. Type-only imports are erased before the code runs, so they do not
 * count: `import type …`, `export type … from`, and `import { type A, type B }` where every name is a type.
 * Dynamic `import()` does not count either: it runs after both modules are evaluated.
 *
 * The module graph comes from `deno info --json` (Deno's own parser: imports shown in doc comments are not
 * imports; npm and remote modules are not resolved); only the text of each static value import is read here, to tell `{ type A }` from `{ A }`.
 *
 * Run: `deno run -A .ci/import_cycles.ts` — prints one line on success, each cycle otherwise (exit code 1).
 */

const root: URL = new URL("../", import.meta.url);

interface Span {
  start: { line: number; character: number };
}

interface Dependency {
  specifier: string;
  isDynamic?: boolean;
  code?: { specifier: string; span: Span };
}

interface ModuleInfo {
  specifier: string;
  dependencies?: Dependency[];
}

/** The root modules: `*.ts` files directly in the repository root. */
function rootModules(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(root)) {
    if (entry.isFile && entry.name.endsWith(".ts")) names.push(new URL(entry.name, root).href);
  }
  return names.sort();
}

async function moduleGraph(entry: string): Promise<ModuleInfo[]> {
  const output: Deno.CommandOutput = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-npm", "--no-remote", "--no-lock", entry],
    env: { NO_COLOR: "1" },
  }).output();
  if (!output.success) throw new Error(`deno info ${entry} failed:\n${new TextDecoder().decode(output.stderr)}`);
  return (JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: ModuleInfo[] }).modules;
}

/** Offset of a (line, character) position in `text`. */
function offsetOf(text: string, span: Span): number {
  let offset = 0;
  for (let line = 0; line < span.start.line; line++) offset = text.indexOf("\n", offset) + 1;
  return offset + span.start.character;
}

/**
 * Whether the static import or re-export whose specifier starts at `at` names only types (`{ type A, type B }`):
 * TypeScript erases such a statement, so it loads nothing at run time.
 */
function namesOnlyTypes(source: string, at: number): boolean {
  const before: string = source.slice(0, at);
  const start: number = Math.max(before.lastIndexOf("import"), before.lastIndexOf("export"));
  const statement: string = before.slice(start);
  const named: RegExpMatchArray | null = statement.match(/^(?:import|export)\s*\{([^}]*)\}\s*from\s*["']?$/);
  if (named === null) return false;
  const names: string[] = named[1].split(",").map((name) => name.trim()).filter((name) => name !== "");
  return names.length > 0 && names.every((name) => /^type\s/.test(name));
}

/** The value imports between root modules, as importer → imported specifiers. */
async function valueEdges(modules: string[]): Promise<Map<string, Set<string>>> {
  const edges = new Map<string, Set<string>>(modules.map((m) => [m, new Set<string>()]));
  const seen = new Set<string>();
  for (const entry of modules) {
    if (seen.has(entry)) continue;
    for (const info of await moduleGraph(entry)) {
      if (seen.has(info.specifier) || !edges.has(info.specifier)) continue;
      seen.add(info.specifier);
      const source: string = Deno.readTextFileSync(new URL(info.specifier));
      for (const dependency of info.dependencies ?? []) {
        const code = dependency.code;
        if (code === undefined || dependency.isDynamic || !edges.has(code.specifier)) continue;
        if (namesOnlyTypes(source, offsetOf(source, code.span))) continue;
        edges.get(info.specifier)!.add(code.specifier);
      }
    }
  }
  return edges;
}

/** The strongly connected components with a cycle (Tarjan), each as a list of modules. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of edges.get(node)!) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges.get(node)!.has(node)) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** One shortest cycle through `from` inside `component` (breadth-first), as a path that returns to `from`. */
function shortestCycle(edges: Map<string, Set<string>>, component: string[], from: string): string[] {
  const inside = new Set(component);
  const parent = new Map<string, string>();
  const queue: string[] = [from];
  for (let i = 0; i < queue.length; i++) {
    const node: string = queue[i];
    for (const target of edges.get(node)!) {
      if (!inside.has(target)) continue;
      if (target === from) {
        const path: string[] = [from];
        for (let at: string | undefined = node; at !== undefined && at !== from; at = parent.get(at)) {
          path.splice(1, 0, at);
        }
        return [...path, from];
      }
      if (!parent.has(target)) {
        parent.set(target, node);
        queue.push(target);
      }
    }
  }
  return [from];
}

async function main(): Promise<number> {
  const modules: string[] = rootModules();
  const edges: Map<string, Set<string>> = await valueEdges(modules);
  const name = (specifier: string): string => specifier.slice(root.href.length);
  const count: number = [...edges.values()].reduce((sum, targets) => sum + targets.size, 0);
  const found: string[][] = cycles(edges);
  if (found.length === 0) {
    console.log(`no value-import cycle among ${modules.length} root modules (${count} value imports)`);
    return 0;
  }
  for (const component of found) {
    console.log(`value-import cycle among ${component.length} modules: ${component.map(name).join(", ")}`);
    for (const member of component) {
      console.log(`  ${shortestCycle(edges, component, member).map(name).join(" → ")}`);
    }
  }
  console.log(`${found.length} value-import cycle(s) among ${modules.length} root modules`);
  return 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
