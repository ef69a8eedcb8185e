"""Fills an RQ queue with the real `rq` client, schedules some jobs, lets a real worker start one
(which sleeps), and prints what RQ itself reports (one JSON line). Stops the worker when stdin closes.

usage: rq_enqueue.py REDIS_PORT QUEUE TOTAL SCHEDULED
"""
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta, timezone

from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

port, name, total, scheduled = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
here = os.path.dirname(os.path.abspath(__file__))
redis = Redis(host="127.0.0.1", port=port)
queue = Queue(name, connection=redis)
for i in range(total):
    queue.enqueue("rq_tasks.work", i)
    time.sleep(0.002)  # distinct enqueue times
for i in range(scheduled):
    queue.enqueue_in(timedelta(hours=1), "rq_tasks.work", 1000 + i)

env = dict(os.environ, PYTHONPATH=here + os.pathsep + os.environ.get("PYTHONPATH", ""))
worker = subprocess.Popen(
    [sys.executable, "-m", "rq.cli", "worker", "--worker-class", "rq.worker.SimpleWorker", "--url", f"redis://127.0.0.1:{port}", name],
    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
started = StartedJobRegistry(name, connection=redis)
for _ in range(400):
    if started.count >= 1:
        break
    time.sleep(0.05)

jobs = queue.get_jobs()
oldest = jobs[0].enqueued_at if jobs else None
if oldest is not None and oldest.tzinfo is None:
    oldest = oldest.replace(tzinfo=timezone.utc)
print(json.dumps({
    "count": queue.count,
    "started": started.count,
    "scheduled": ScheduledJobRegistry(name, connection=redis).count,
    "oldest_enqueued_at": oldest.timestamp() if oldest else None,
}), flush=True)

sys.stdin.read()
os.killpg(worker.pid, signal.SIGKILL)
