"""Fills a BullMQ queue with the real `bullmq` client, lets a real Worker take some jobs, and prints
what the library itself reports (one JSON line). Then keeps the worker busy until stdin closes.

usage: bullmq_enqueue.py REDIS_URL QUEUE PREFIX TOTAL DELAYED ACTIVE [PRIORITIZED]
"""
import asyncio
import json
import os
import sys

from bullmq import Queue, Worker


async def main():
    url, name, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    total, delayed, active = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    prioritized = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    opts = {"connection": url, "prefix": prefix}
    queue = Queue(name, opts)
    for i in range(total - delayed - prioritized):
        await queue.add("doc", {"i": i})
    for i in range(prioritized):
        await queue.add("urgent", {"p": i}, {"priority": 1 + i})
    for i in range(delayed):
        await queue.add("later", {"d": i}, {"delay": 3_600_000})

    release = asyncio.Event()

    async def process(job, token):
        await release.wait()

    worker = None
    if active:
        worker = Worker(name, process, {"connection": url, "prefix": prefix, "concurrency": active})
        for _ in range(200):
            if (await queue.getJobCounts("active"))["active"] >= active:
                break
            await asyncio.sleep(0.05)

    counts = await queue.getJobCounts("wait", "paused", "prioritized", "active", "delayed")
    waiting = await queue.getJobs(["wait", "paused", "prioritized"], 0, -1, True)
    oldest = min((job.timestamp for job in waiting), default=None)
    print(json.dumps({"counts": counts, "oldest_timestamp_ms": oldest}), flush=True)

    # Hold the active jobs until the test has read the queue.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    os._exit(0)


asyncio.run(main())
