"""CPython side of bench/threads_compare.ts: the same thread workloads, printed as one JSON object on stdout.

Run by threads_compare.ts as `python3 bench/threads_compare.py [CALLS] [PIPELINED] [ITEMS]`; runnable alone too.

- run_coroutine_threadsafe(noop(i), loop).result() to a loop running forever in another thread: sequential round
  trips, p50/p99 in µs, after a warm-up;
- PIPELINED run_coroutine_threadsafe calls in flight at once, then every .result(): calls/s, best of 3;
- queue.Queue from 1 producer thread to the main thread (ITEMS ints then a sentinel): items/s, best of 3; and 4
  producer threads to 4 consumer threads (ITEMS in all).
"""

import asyncio
import json
import queue
import statistics
import sys
import threading
import time

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
PIPELINED = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
ITEMS = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
RUNS = 3


async def noop(x):
    return x


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def round_trips(loop, n):
    samples = []
    for i in range(n):
        start = time.perf_counter()
        assert asyncio.run_coroutine_threadsafe(noop(i), loop).result() == i
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def pipelined(loop, n):
    start = time.perf_counter()
    futures = [asyncio.run_coroutine_threadsafe(noop(i), loop) for i in range(n)]
    for i, future in enumerate(futures):
        assert future.result() == i
    return time.perf_counter() - start


def produce(q, n):
    for i in range(n):
        q.put(i)
    q.put(-1)


def consume(q, totals):
    total = 0
    while True:
        item = q.get()
        if item < 0:
            break
        total += item
    totals.append(total)


def queue_1to1(n):
    q = queue.Queue()
    start = time.perf_counter()
    producer = threading.Thread(target=produce, args=(q, n))
    producer.start()
    total = 0
    while True:
        item = q.get()
        if item < 0:
            break
        total += item
    elapsed = time.perf_counter() - start
    producer.join()
    assert total == n * (n - 1) // 2, "lost an item"
    return elapsed


def queue_4to4(n):
    q = queue.Queue()
    per = n // 4
    totals = []
    start = time.perf_counter()
    threads = [threading.Thread(target=produce, args=(q, per)) for _ in range(4)]
    threads += [threading.Thread(target=consume, args=(q, totals)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert sum(totals) == 4 * (per * (per - 1) // 2), "lost an item"
    return elapsed


def main():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    round_trips(loop, CALLS // 10)  # warm-up
    samples = round_trips(loop, CALLS)
    pipelined(loop, PIPELINED // 10)  # warm-up
    pipe = min(pipelined(loop, PIPELINED) for _ in range(RUNS))
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()
    queue_1to1(ITEMS // 10)  # warm-up
    q11 = [queue_1to1(ITEMS) for _ in range(RUNS)]
    q44 = [queue_4to4(ITEMS) for _ in range(RUNS)]
    print(json.dumps({
        "version": sys.version.split()[0],
        "rtt_p50_us": percentile(samples, 50),
        "rtt_p99_us": percentile(samples, 99),
        "rtt_mean_us": statistics.fmean(samples),
        "pipelined_per_s": PIPELINED / pipe,
        "queue_1to1_per_s": ITEMS / min(q11),
        "queue_4to4_per_s": ITEMS / min(q44),
    }))


if __name__ == "__main__":
    main()
