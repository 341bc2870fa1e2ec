// Finding the Python interpreters bench/compare.ts runs its anchors on: every `python3` and `python3.N` on PATH
// (and in /usr/bin, /usr/local/bin), each asked what it is, which never throws — an interpreter that does not
// answer is simply absent.

/** One working Python interpreter, as it described itself. */
export interface Interpreter {
  /** What was run: a name looked up on PATH or an absolute path. */
  command: string;
  /** Extra environment it needs (a pyenv shim needs `PYENV_VERSION`). */
  env: Record<string, string>;
  /** `sys.executable`. */
  executable: string;
  /** `sys.version`'s first word, e.g. "3.12.1". */
  version: string;
  /** [major, minor, micro] of `sys.version_info`. */
  versionInfo: [number, number, number];
  /** `sys.implementation.name`: "cpython", "pypy", … */
  implementation: string;
  /** Whether `asyncio.eager_task_factory` exists (CPython 3.12+). */
  eager: boolean;
  /** uvloop's version when `import uvloop` works, else null. */
  uvloop: string | null;
}

const PROBE = `
import asyncio, json, sys
try:
    import uvloop
    uv = uvloop.__version__
except Exception:
    uv = None
print(json.dumps({
    "executable": sys.executable,
    "version": sys.version.split()[0],
    "version_info": list(sys.version_info[:3]),
    "implementation": sys.implementation.name,
    "eager": hasattr(asyncio, "eager_task_factory"),
    "uvloop": uv,
}))
`;

const PROBE_TIMEOUT_MS = 20_000;

/** Runs `command` with the probe script; null when it is missing, fails, or says something unexpected. */
export async function probe(command: string, env: Record<string, string> = {}): Promise<Interpreter | null> {
  try {
    const output = await new Deno.Command(command, {
      args: ["-c", PROBE],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).output();
    if (!output.success) return null;
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    const answer = JSON.parse(lines[lines.length - 1]);
    if (typeof answer.version !== "string" || !Array.isArray(answer.version_info)) return null;
    return {
      command,
      env,
      executable: String(answer.executable),
      version: answer.version,
      versionInfo: answer.version_info.map(Number) as [number, number, number],
      implementation: String(answer.implementation),
      eager: answer.eager === true,
      uvloop: typeof answer.uvloop === "string" ? answer.uvloop : null,
    };
  } catch {
    return null;
  }
}

/** Names matching `python3` / `python3.N` in `dir`, as absolute paths when `absolute`. */
async function pythonsIn(dir: string, absolute: boolean): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (/^python3(\.\d+)?$/.test(entry.name)) found.push(absolute ? `${dir}/${entry.name}` : entry.name);
    }
  } catch {
    // A PATH entry that is missing or unreadable holds no interpreter.
  }
  return found;
}

/** The installed pyenv versions (plain `X.Y.Z` only), from `pyenv versions --bare` or pyenv's versions folder. */
async function pyenvVersions(): Promise<string[]> {
  let names: string[] = [];
  try {
    const output = await new Deno.Command("pyenv", {
      args: ["versions", "--bare"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).output();
    if (output.success) names = new TextDecoder().decode(output.stdout).split("\n").map((line) => line.trim());
  } catch {
    // No pyenv command: look at its folder below.
  }
  if (names.length === 0) {
    const root = Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME") ?? ""}/.pyenv`;
    try {
      for await (const entry of Deno.readDir(`${root}/versions`)) names.push(entry.name);
    } catch {
      // No pyenv at all.
    }
  }
  return names.filter((name) => /^\d+\.\d+\.\d+$/.test(name));
}

function newestPatch(versions: string[], minor: string): string | undefined {
  const matching = versions.filter((version) => version.startsWith(`${minor}.`));
  const patch = (version: string) => Number(version.split(".")[2]);
  return matching.sort((a, b) => patch(b) - patch(a))[0];
}

function compareVersions(a: Interpreter, b: Interpreter): number {
  for (let i = 0; i < 3; i++) {
    if (a.versionInfo[i] !== b.versionInfo[i]) return a.versionInfo[i] - b.versionInfo[i];
  }
  return 0;
}

/**
 * Every distinct working interpreter: `python3` first, then the others newest first. A `python3.N` that fails
 * (a pyenv shim with no version selected) is tried again with `PYENV_VERSION` set to pyenv's newest `N` release.
 * Two names for one executable (a symlink) count once.
 */
export async function findInterpreters(): Promise<Interpreter[]> {
  const names = new Set<string>(["python3"]);
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "")) {
    for (const name of await pythonsIn(dir, false)) names.add(name);
  }
  for (const dir of ["/usr/bin", "/usr/local/bin"]) {
    for (const path of await pythonsIn(dir, true)) names.add(path);
  }
  let versions: Promise<string[]> | undefined;
  const probes = [...names].map(async (command) => {
    const found = await probe(command);
    if (found !== null) return found;
    const minor = /^python(3\.\d+)$/.exec(command)?.[1];
    if (minor === undefined) return null;
    versions ??= pyenvVersions();
    const version = newestPatch(await versions, minor);
    return version === undefined ? null : await probe(command, { PYENV_VERSION: version });
  });
  const seen = new Set<string>();
  const interpreters: Interpreter[] = [];
  for (const found of await Promise.all(probes)) {
    if (found === null) continue;
    let real = found.executable;
    try {
      real = await Deno.realPath(found.executable);
    } catch {
      // Keep the reported path.
    }
    if (seen.has(real)) continue;
    seen.add(real);
    interpreters.push(found);
  }
  const [first, ...rest] = interpreters;
  if (first === undefined) return [];
  // `python3` probes first and its answer comes first from Promise.all; it stays the first entry when present.
  return first.command === "python3"
    ? [first, ...rest.sort((a, b) => compareVersions(b, a))]
    : interpreters.sort((a, b) => compareVersions(b, a));
}

/** The newest of `interpreters` that `accept`s, or undefined. (The list is `python3` first, then newest first.) */
export function newest(
  interpreters: Interpreter[],
  accept: (interpreter: Interpreter) => boolean,
): Interpreter | undefined {
  return interpreters.filter(accept).sort((a, b) => compareVersions(b, a))[0];
}

/** "path (CPython 3.12.1, run as `PYENV_VERSION=3.12.1 python3.12`)". */
export function describe(interpreter: Interpreter): string {
  const env = Object.entries(interpreter.env).map(([key, value]) => `${key}=${value} `).join("");
  const name = interpreter.implementation === "cpython" ? "CPython" : interpreter.implementation;
  return `${interpreter.executable} (${name} ${interpreter.version}, run as \`${env}${interpreter.command}\`)`;
}
