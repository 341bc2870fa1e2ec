/**
 * The concurrent downloader of the tutorial's application section ("5. 应用场景": fetching all the images of a
 * site, where one blocked request must not block the queue). `downloadAll(urls, options)` runs one task per URL
 * in a task group; each task
 *
 * - waits for one of `limit` slots (a `Semaphore`), so at most `limit` downloads run at once;
 * - fetches with its `task.signal`, so a cancel — its time-out, or Ctrl+C cancelling the program — aborts the
 *   request itself, not only the wait for it;
 * - runs under a `timeout(timeoutMs)` scope: a slow or silent server ends that download with "timed out", the
 *   others go on;
 * - writes to a temporary name beside the target and renames it when the body is complete, so a file with the
 *   target's name is always whole, and removes the temporary file on any failure or cancel.
 *
 * A download that fails (HTTP error, time-out, network error, short body) is reported in the result, not thrown: it
 * never stops the others. A cancel of the caller (Ctrl+C) cancels every download and is re-raised once all of them
 * have cleaned up.
 *
 * Used by 16_image_downloader.ts and tests/image_downloader_test.ts. Not an example itself.
 *
 * @module
 */

import { CancelledError, currentTask, Semaphore, type Task, taskGroup, timeout, TimeoutError } from "../mod.ts";

/** Options of `downloadAll()`. */
export interface DownloadOptions {
  /** The directory the files go to (made if missing). */
  dir: string;
  /** At most this many downloads at once (default 4). */
  limit?: number;
  /** Each download's time-out in ms, from the moment it gets its slot (default 10 000). */
  timeoutMs?: number;
  /** Called whenever the counts change (a chunk written, a download ended). */
  onProgress?: (progress: Progress) => void;
}

/** Where `downloadAll()` stands. */
export interface Progress {
  /** Downloads in all. */
  filesTotal: number;
  /** Downloads saved. */
  filesDone: number;
  /** Downloads that failed. */
  filesFailed: number;
  /** Bytes written so far (of every download, the failed ones included). */
  bytesDone: number;
  /** The sum of the sizes the servers announced (`Content-Length`) so far. */
  bytesTotal: number;
  /** How many downloads have announced their size. */
  sizesKnown: number;
  /** Milliseconds since `downloadAll()` began. */
  elapsedMs: number;
}

/** How one download ended. */
export type DownloadOutcome =
  | { url: string; ok: true; path: string; bytes: number }
  | { url: string; ok: false; error: string };

/** The report of `downloadAll()`: the outcomes in the order of the URLs given, and the time taken. */
export interface DownloadReport {
  outcomes: DownloadOutcome[];
  elapsedMs: number;
}

/** An HTTP answer other than 2xx. */
class HttpError extends Error {
  constructor(response: Response) {
    super(`HTTP ${response.status} ${response.statusText}`.trimEnd());
    this.name = "HttpError";
  }
}

/** The file name for a URL: its last path segment (as the tutorial's `url.split('/')[-1]`), made safe. */
export function fileNameOf(url: string): string {
  let segment: string = new URL(url).pathname.split("/").at(-1) ?? "";
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // keep the raw segment
  }
  const safe: string = segment.replace(/[^\w.\-]/g, "_").replace(/^\.+/, "");
  return safe === "" ? "index" : safe;
}

/** Names for the URLs, in order, each unique within the run (`a.jpg`, `a-2.jpg`, …). */
function uniqueNames(urls: string[]): string[] {
  const taken = new Set<string>();
  return urls.map((url) => {
    const name: string = fileNameOf(url);
    const dot: number = name.lastIndexOf(".");
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    let candidate: string = name;
    for (let n = 2; taken.has(candidate); n++) candidate = `${stem}-${n}${ext}`;
    taken.add(candidate);
    return candidate;
  });
}

function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutError) return `timed out after ${timeoutMs} ms`;
  if (error instanceof HttpError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Removes a temporary file if it is there. Synchronous, so that it is done even if the process exits right after
 * a cancel (Ctrl+C).
 */
function removePartial(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Writes all of `chunk` (a write may take only part of it). */
async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.length;) offset += await file.write(chunk.subarray(offset));
}

/**
 * Downloads every URL into `options.dir`, at most `limit` at once, each with its own time-out. Call it from a
 * coroutine (a task of a running loop, e.g. under `run()`).
 *
 * @param urls The URLs; each file is named after the last segment of its URL's path.
 * @param options `dir`, `limit`, `timeoutMs`, `onProgress`.
 * @returns The outcome of every download, in the order of `urls`, and the time taken.
 * @throws {RangeError} If `limit` is not a positive integer or `timeoutMs` not a positive number.
 * @throws {CancelledError} If the caller was cancelled; every download was then aborted and left no file.
 */
export async function downloadAll(urls: string[], options: DownloadOptions): Promise<DownloadReport> {
  const limit: number = options.limit ?? 4;
  const timeoutMs: number = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot download: limit must be a positive integer, received ${limit}`);
  }
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) {
    throw new RangeError(`Cannot download: timeoutMs must be a positive number, received ${timeoutMs}`);
  }
  await Deno.mkdir(options.dir, { recursive: true });
  const start: number = performance.now();
  const progress: Progress = {
    filesTotal: urls.length,
    filesDone: 0,
    filesFailed: 0,
    bytesDone: 0,
    bytesTotal: 0,
    sizesKnown: 0,
    elapsedMs: 0,
  };
  const report = (): void => {
    progress.elapsedMs = performance.now() - start;
    options.onProgress?.({ ...progress });
  };
  const slots = new Semaphore(limit);
  const names: string[] = uniqueNames(urls);

  // One download, as a task of the group. Everything but a cancel of the whole run becomes an outcome.
  const downloadOne = async (url: string, name: string): Promise<DownloadOutcome> => {
    const task: Task<unknown> = currentTask()!;
    const path = `${options.dir}/${name}`;
    const partial = `${options.dir}/.${name}.${crypto.randomUUID().slice(0, 8)}.part`;
    let written = 0;
    try {
      using _slot = await slots.acquire();
      await timeout(timeoutMs, async () => {
        // The signal is aborted when the task is cancelled (its time-out, or the run's cancel): fetch and the
        // body's reads then reject at once, and the connection is closed.
        const response: Response = await fetch(url, { signal: task.signal });
        if (!response.ok) {
          await response.body?.cancel();
          throw new HttpError(response);
        }
        const announced: string | null = response.headers.get("content-length");
        const expected: number | null = announced === null ? null : Number(announced);
        if (expected !== null) {
          progress.bytesTotal += expected;
          progress.sizesKnown++;
        }
        const file: Deno.FsFile = await Deno.open(partial, { write: true, createNew: true });
        try {
          for await (const chunk of response.body ?? new ReadableStream<Uint8Array>()) {
            await writeAll(file, chunk);
            written += chunk.length;
            progress.bytesDone += chunk.length;
            report();
          }
        } finally {
          file.close();
        }
        if (expected !== null && written !== expected) {
          throw new Error(`the body ended after ${written} of ${expected} bytes`);
        }
      });
      // Whole: give it its name. A rename within a directory is atomic: no reader ever sees half a file there.
      Deno.renameSync(partial, path);
      progress.filesDone++;
      report();
      return { url, ok: true, path, bytes: written };
    } catch (error) {
      // The run was cancelled (Ctrl+C), not this download's time-out: let the cancel go on to the group.
      if (error instanceof CancelledError) throw error;
      progress.filesFailed++;
      report();
      return { url, ok: false, error: describeError(error, timeoutMs) };
    } finally {
      removePartial(partial);
    }
  };

  const outcomes: DownloadOutcome[] = await taskGroup(async (group) => {
    const tasks: Task<DownloadOutcome>[] = urls.map((url, i) =>
      group.createTask(() => downloadOne(url, names[i]), { name: `download ${names[i]}` })
    );
    const results: DownloadOutcome[] = [];
    for (const task of tasks) results.push(await task);
    return results;
  });
  return { outcomes, elapsedMs: performance.now() - start };
}

/** `1.5 kB`, `2.3 MB`: a byte count for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units: string[] = ["kB", "MB", "GB", "TB"];
  let value: number = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The progress line: `files 3/10 (1 failed)  bytes 45.2 kB/120.0 kB  1.2 MB/s`. The total counts the sizes
 * announced so far; `≥` marks it while some are still unknown.
 */
export function formatProgress(progress: Progress): string {
  const failed: string = progress.filesFailed > 0 ? ` (${progress.filesFailed} failed)` : "";
  const allKnown: boolean = progress.sizesKnown + progress.filesFailed >= progress.filesTotal;
  const total: string = `${allKnown ? "" : "≥"}${formatBytes(progress.bytesTotal)}`;
  const seconds: number = progress.elapsedMs / 1000;
  const rate: string = seconds > 0 ? `${formatBytes(Math.round(progress.bytesDone / seconds))}/s` : "-";
  return `files ${progress.filesDone}/${progress.filesTotal}${failed}  bytes ${
    formatBytes(progress.bytesDone)
  }/${total}  ${rate}`;
}
