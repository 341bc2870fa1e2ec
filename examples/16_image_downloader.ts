/**
 * Port of the tutorial's application section "5. 应用场景" (under "4.协程并发的实现"): downloading all the images
 * of a site. One by one, a request that blocks blocks the whole queue, and many small files download slowly;
 * concurrently, while one request waits for its data the others go on. The tutorial's `aiohttp` session and
 * `asyncio.wait(tasks)` become `fetch` in tasks of a task group (see `_downloader.ts`):
 *
 * - each download is a task that passes its `task.signal` to `fetch`, so a cancel aborts the request itself;
 * - at most `--limit` run at once (a `Semaphore`), each under its own `--timeout` (a `timeout()` scope);
 * - a live progress line (files and bytes done / total, rate) is drawn on the terminal (stderr, when it is one);
 * - each file is written under a temporary name and renamed when complete, so no half file ever has its name;
 * - a slow or failing URL never blocks the others: it is reported at the end;
 * - Ctrl+C cancels every download (`run()` turns SIGINT into a cancel of the main task), which aborts the
 *   requests and removes their temporary files; the process then exits with 130, as Python's KeyboardInterrupt.
 *
 * Run: `deno run -A examples/16_image_downloader.ts [urls…] [--dir d] [--limit n] [--timeout ms]`
 * (permissions: `--allow-net` for the downloads, `--allow-read --allow-write` for the directory; without URLs
 * also for its own loopback server and a temporary directory).
 *
 * With URLs, the files go to `--dir` (default `image`, as the tutorial's `file_dir`), at most `--limit` (default
 * 4) at once, each with `--timeout` ms (default 10 000). Without URLs it starts its own loopback server
 * (`_image_server.ts`) serving ten generated images with 50–140 ms of latency each, plus a URL that answers 404
 * and one that never answers, and downloads them twice into a temporary directory: one by one, then
 * concurrently — and prints both times (the time-out is 500 ms then, unless `--timeout` is given).
 *
 * Expected output (without URLs; `<id>` is the server's port, `<t>` a time or a ratio):
 *   serving 10 generated images on http://127.0.0.1:<id>/ (50–140 ms of latency each), one URL that answers 404 and one that never answers
 *   one by one (--limit 1):   10 saved, 2 failed in <t> s
 *   concurrently (--limit 4): 10 saved, 2 failed in <t> s (<t>× as fast)
 *   saved: 1.bmp 2.bmp 3.bmp 4.bmp 5.bmp 6.bmp 7.bmp 8.bmp 9.bmp 10.bmp (269.3 kB), each as the server sent it: true
 *   failed, in both runs, without holding up the others:
 *     http://127.0.0.1:<id>/missing.bmp: HTTP 404 Not Found
 *     http://127.0.0.1:<id>/slow.bmp: timed out after 500 ms
 */

import { CancelledError, run } from "../mod.ts";
import { downloadAll, type DownloadReport, formatBytes, formatProgress, type Progress } from "./_downloader.ts";
import { serveImages } from "./_image_server.ts";

/** The command line: URLs and options. */
export interface Arguments {
  urls: string[];
  dir: string | null;
  limit: number;
  timeoutMs: number | null;
}

const usage = "usage: deno run -A examples/16_image_downloader.ts [urls…] [--dir d] [--limit n] [--timeout ms]";

/**
 * Reads the command line (`--dir d`, `--limit n`, `--timeout ms`, or `--name=value`; everything else is a URL).
 *
 * @throws {TypeError} On an unknown option, a missing value, or a URL that does not parse.
 * @throws {RangeError} If `--limit` is not a positive integer or `--timeout` not a positive number.
 */
export function parseArguments(args: string[]): Arguments {
  const parsed: Arguments = { urls: [], dir: null, limit: 4, timeoutMs: null };
  for (let i = 0; i < args.length; i++) {
    const arg: string = args[i];
    if (!arg.startsWith("--")) {
      if (!URL.canParse(arg)) throw new TypeError(`Not a URL: ${JSON.stringify(arg)}`);
      parsed.urls.push(arg);
      continue;
    }
    const eq: number = arg.indexOf("=");
    const name: string = eq < 0 ? arg : arg.slice(0, eq);
    if (!["--dir", "--limit", "--timeout"].includes(name)) throw new TypeError(`Unknown option ${name}`);
    const value: string | undefined = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "") throw new TypeError(`Option ${name} needs a value`);
    if (name === "--dir") parsed.dir = value;
    if (name === "--limit") {
      parsed.limit = Number(value);
      if (!Number.isInteger(parsed.limit) || parsed.limit < 1) {
        throw new RangeError(`--limit must be a positive integer, received ${value}`);
      }
    }
    if (name === "--timeout") {
      parsed.timeoutMs = Number(value);
      if (!(parsed.timeoutMs > 0)) throw new RangeError(`--timeout must be a positive number of ms, received ${value}`);
    }
  }
  return parsed;
}

/** Draws the progress line in place on stderr when it is a terminal (at most ten times a second); else nothing. */
function progressLine(): { update: (progress: Progress) => void; clear: () => void } {
  if (!Deno.stderr.isTerminal()) return { update: () => {}, clear: () => {} };
  const encoder = new TextEncoder();
  let last = 0;
  let latest: Progress | null = null;
  let drawn = false;
  const draw = (): void => {
    if (latest === null) return;
    Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${formatProgress(latest)}`));
    drawn = true;
  };
  return {
    update(progress: Progress): void {
      latest = progress;
      const now: number = performance.now();
      const finished: boolean = progress.filesDone + progress.filesFailed === progress.filesTotal;
      if (now - last >= 100 || finished) {
        last = now;
        draw();
      }
    },
    clear(): void {
      if (drawn) Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
      drawn = false;
      latest = null;
    },
  };
}

function summary(report: DownloadReport): string {
  const saved: number = report.outcomes.filter((o) => o.ok).length;
  const failed: number = report.outcomes.length - saved;
  return `${saved} saved, ${failed} failed in ${(report.elapsedMs / 1000).toFixed(2)} s`;
}

/** Downloads the URLs given on the command line, then lists what was saved and what failed. */
async function downloadGiven(args: Arguments): Promise<void> {
  const dir: string = args.dir ?? "image";
  const timeoutMs: number = args.timeoutMs ?? 10_000;
  console.log(
    `downloading ${args.urls.length} files into ${dir}/ (at most ${args.limit} at once, ${timeoutMs} ms each)`,
  );
  const line = progressLine();
  let report: DownloadReport;
  try {
    report = await downloadAll(args.urls, { dir, limit: args.limit, timeoutMs, onProgress: line.update });
  } finally {
    line.clear();
  }
  for (const outcome of report.outcomes) {
    if (outcome.ok) console.log(`saved ${outcome.path} (${outcome.bytes} bytes)`);
  }
  const failures = report.outcomes.filter((o) => !o.ok);
  console.log(summary(report) + (failures.length > 0 ? ":" : ""));
  for (const outcome of failures) if (!outcome.ok) console.log(`  ${outcome.url}: ${outcome.error}`);
}

/** No URLs: serve generated images on loopback and download them one by one, then concurrently. */
async function demo(args: Arguments): Promise<void> {
  const server = serveImages({ count: 10, latencyMs: (i) => 40 + 10 * i });
  const dir: string = args.dir ?? await Deno.makeTempDir({ prefix: "image_downloader_" });
  const timeoutMs: number = args.timeoutMs ?? 500;
  const urls: string[] = [...server.imageUrls, `${server.url}missing.bmp`, `${server.url}slow.bmp`];
  const line = progressLine();
  try {
    console.log(
      `serving 10 generated images on ${server.url} (50–140 ms of latency each), one URL that answers 404 and one that never answers`,
    );
    const oneByOne: DownloadReport = await downloadAll(urls, {
      dir: `${dir}/one_by_one`,
      limit: 1,
      timeoutMs,
      onProgress: line.update,
    });
    line.clear();
    console.log(`one by one (--limit 1):   ${summary(oneByOne)}`);
    const concurrent: DownloadReport = await downloadAll(urls, {
      dir: `${dir}/concurrent`,
      limit: args.limit,
      timeoutMs,
      onProgress: line.update,
    });
    line.clear();
    const ratio: string = (oneByOne.elapsedMs / concurrent.elapsedMs).toFixed(1);
    console.log(`concurrently (--limit ${args.limit}): ${summary(concurrent)} (${ratio}× as fast)`);

    // Check every saved file against what the server sent, in both runs.
    let identical = true;
    let bytes = 0;
    const names: string[] = [];
    for (const report of [oneByOne, concurrent]) {
      for (const [i, outcome] of report.outcomes.entries()) {
        if (!outcome.ok) continue;
        const sent: Uint8Array = server.image(i + 1);
        const saved: Uint8Array = await Deno.readFile(outcome.path);
        identical &&= saved.length === sent.length && saved.every((byte, at) => byte === sent[at]);
        if (report === concurrent) {
          bytes += saved.length;
          names.push(outcome.path.slice(outcome.path.lastIndexOf("/") + 1));
        }
      }
    }
    console.log(`saved: ${names.join(" ")} (${formatBytes(bytes)}), each as the server sent it: ${identical}`);
    console.log("failed, in both runs, without holding up the others:");
    for (const outcome of concurrent.outcomes) if (!outcome.ok) console.log(`  ${outcome.url}: ${outcome.error}`);
  } finally {
    line.clear();
    await server.close();
    if (args.dir === null) await Deno.remove(dir, { recursive: true });
  }
}

async function main(args: string[]): Promise<void> {
  let parsed: Arguments;
  try {
    parsed = parseArguments(args);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    Deno.exit(2);
  }
  try {
    await (parsed.urls.length > 0 ? downloadGiven(parsed) : demo(parsed));
  } catch (error) {
    // Ctrl+C: every download was aborted and left no file; say so, then let run() exit with 130.
    if (error instanceof CancelledError) console.log("interrupted: every download was cancelled, no partial file left");
    throw error;
  }
}

if (import.meta.main) {
  await run(() => main(Deno.args));
}
