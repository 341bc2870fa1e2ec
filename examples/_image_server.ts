/**
 * A loopback web server of generated images, for the downloader example (16_image_downloader.ts) when it is given
 * no URLs, and for its tests. It plays the part of the tutorial's image site, with the troubles the tutorial names:
 * some answers are slow, one never comes, one is an error.
 *
 * Routes:
 * - `/images/<i>.bmp` — image `i` (a small generated BMP, different for every `i`), after `latencyMs(i)`;
 * - `/missing.bmp` — 404 Not Found;
 * - `/slow.bmp` — never answers (until the server closes);
 * - `/stall/<i>.bmp` — the headers and the first half of image `i`, then nothing more until the client goes away.
 *
 * The server counts the requests it is answering (`inFlight`, `maxInFlight`) and how each ended (`completed`,
 * `abandoned`: the client went away before the whole body was sent), and `until(condition)` waits for a count to
 * reach a state — no polling.
 *
 * Not an example itself (its name does not start with two digits).
 *
 * @module
 */

/** Options of `serveImages()`. */
export interface ImageServerOptions {
  /** How many images `/images/<i>.bmp` serves: `i` from 1 to `count` (default 10). */
  count?: number;
  /** The delay before image `i` is answered, in ms (default none). */
  latencyMs?: (index: number) => number;
  /** Called when a request arrives, before it is answered; the answer waits for the returned promise. */
  beforeAnswer?: (path: string) => Promise<void> | void;
}

/** The request counts of an `ImageServer`. */
export interface ImageServerStats {
  /** Requests received. */
  requests: number;
  /** Requests being answered now (from arrival to the last byte sent or the client gone). */
  inFlight: number;
  /** The most requests ever in flight at once. */
  maxInFlight: number;
  /** Responses sent in full. */
  completed: number;
  /** Responses whose client went away before the whole body was sent. */
  abandoned: number;
}

/** A running `serveImages()` server. */
export interface ImageServer {
  /** The base URL, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The URLs of the images, `1` to `count`. */
  readonly imageUrls: string[];
  /** The request counts, live. */
  readonly stats: Readonly<ImageServerStats>;
  /** The bytes of image `index`, as served. */
  image(index: number): Uint8Array;
  /** Resolves once `condition(stats)` holds; rejects after `deadlineMs` (default 10 s) with the counts. */
  until(condition: (stats: Readonly<ImageServerStats>) => boolean, deadlineMs?: number): Promise<void>;
  /** Answers the requests still waiting (`/slow.bmp`: 503), then stops the server. */
  close(): Promise<void>;
}

/**
 * A 24-bit BMP image, different for every index: a colour gradient, its width growing with the index (so the
 * files differ in size too).
 *
 * @param index Which image (1, 2, …).
 * @returns The bytes of the BMP file.
 */
export function makeImage(index: number): Uint8Array {
  const width: number = 96 + 8 * index;
  const height = 64;
  const rowSize: number = Math.ceil((width * 3) / 4) * 4; // rows are padded to 4 bytes
  const size: number = 54 + rowSize * height;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]); // "BM"
  view.setUint32(2, size, true);
  view.setUint32(10, 54, true); // pixel data offset
  view.setUint32(14, 40, true); // BITMAPINFOHEADER
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true); // planes
  view.setUint16(28, 24, true); // bits per pixel
  view.setUint32(34, rowSize * height, true);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at: number = 54 + y * rowSize + x * 3;
      bytes[at] = (x * 255 / width) & 0xff; // blue
      bytes[at + 1] = (y * 255 / height) & 0xff; // green
      bytes[at + 2] = (index * 37) & 0xff; // red
    }
  }
  return bytes;
}

/**
 * Starts the server on a free loopback port.
 *
 * @param options `count`, `latencyMs`, `beforeAnswer`.
 * @returns The running server; close it with `close()`.
 */
export function serveImages(options: ImageServerOptions = {}): ImageServer {
  const count: number = options.count ?? 10;
  const images: Uint8Array[] = Array.from({ length: count }, (_, i) => makeImage(i + 1));
  const stats: ImageServerStats = { requests: 0, inFlight: 0, maxInFlight: 0, completed: 0, abandoned: 0 };
  const watchers = new Set<() => void>();
  const changed = (): void => {
    for (const watcher of watchers) watcher();
  };
  let closing = false;
  const released = Promise.withResolvers<void>();

  const begin = (): void => {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    changed();
  };
  const end = (how: "completed" | "abandoned"): void => {
    stats.inFlight--;
    stats[how]++;
    changed();
  };

  /** A response whose body is sent in chunks, ending with `end()`; `stallAt` bytes in, it stops sending. */
  const streamed = (bytes: Uint8Array, stallAt: number | null): Response => {
    let offset = 0;
    let ended = false;
    const finish = (how: "completed" | "abandoned"): void => {
      if (ended) return;
      ended = true;
      end(how);
    };
    const body = new ReadableStream<Uint8Array>({
      pull(controller): Promise<void> | void {
        const stop: number = stallAt ?? bytes.length;
        if (offset >= stop) {
          if (stallAt === null) {
            controller.close();
            finish("completed");
            return;
          }
          return new Promise<void>(() => {}); // stalls until the client goes away (cancel below)
        }
        const next: number = Math.min(stop, offset + 8192);
        controller.enqueue(bytes.slice(offset, next));
        offset = next;
      },
      cancel(): void {
        finish("abandoned");
      },
    });
    return new Response(body, {
      headers: { "content-type": "image/bmp", "content-length": String(bytes.length) },
    });
  };

  const answer = async (path: string): Promise<Response> => {
    await options.beforeAnswer?.(path);
    if (path === "/missing.bmp") {
      end("completed");
      return new Response("no such image", { status: 404 });
    }
    if (path === "/slow.bmp") {
      if (!closing) await released.promise; // the client gives up long before; the server never answers
      end("abandoned");
      return new Response("closing", { status: 503 });
    }
    const match: RegExpMatchArray | null = path.match(/^\/(images|stall)\/(\d+)\.bmp$/);
    const index: number = match === null ? 0 : Number(match[2]);
    if (match === null || index < 1 || index > count) {
      end("completed");
      return new Response("not found", { status: 404 });
    }
    if (match[1] === "stall") return streamed(images[index - 1], Math.floor(images[index - 1].length / 2));
    const latency: number = options.latencyMs?.(index) ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    return streamed(images[index - 1], null);
  };

  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request: Request): Promise<Response> => {
      begin();
      return answer(new URL(request.url).pathname);
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;

  return {
    url,
    imageUrls: images.map((_, i) => `${url}images/${i + 1}.bmp`),
    stats,
    image: (index: number): Uint8Array => images[index - 1],
    until(condition, deadlineMs = 10_000): Promise<void> {
      if (condition(stats)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer: ReturnType<typeof setTimeout> = setTimeout(() => {
          watchers.delete(watcher);
          reject(new Error(`the server's counts never reached the state waited for: ${JSON.stringify(stats)}`));
        }, deadlineMs);
        const watcher = (): void => {
          if (!condition(stats)) return;
          clearTimeout(timer);
          watchers.delete(watcher);
          resolve();
        };
        watchers.add(watcher);
      });
    },
    async close(): Promise<void> {
      closing = true;
      released.resolve();
      await server.shutdown();
    },
  };
}
