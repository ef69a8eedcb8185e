"""Writes Sidekiq jobs in Sidekiq's documented Redis format with redis-py (there is no Ruby here):
jobs in `queue:<name>`, scheduled jobs in `schedule`, and a process whose `work` hash holds running
jobs, as Sidekiq 7 writes them. Prints the oldest job's `enqueued_at`.

usage: sidekiq_enqueue.py REDIS_PORT QUEUE WAITING SCHEDULED BUSY [millis]
"""
import json
import secrets
import sys
import time

from redis import Redis

port, name = int(sys.argv[1]), sys.argv[2]
waiting, scheduled, busy = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
millis = len(sys.argv) > 6 and sys.argv[6] == "millis"  # Sidekiq 8 stores epoch milliseconds
redis = Redis(host="127.0.0.1", port=port)


def stamp(t):
    return int(t * 1000) if millis else t


def job(queue, t):
    return {"class": "HardWorker", "args": [1, "x"], "retry": True, "queue": queue,
            "jid": secrets.token_hex(12), "created_at": stamp(t), "enqueued_at": stamp(t)}


start = time.time() - 30
oldest = None
redis.sadd("queues", name)
for i in range(waiting):
    t = start + i * 0.01
    oldest = stamp(t) if oldest is None else oldest
    redis.lpush(f"queue:{name}", json.dumps(job(name, t)))  # Sidekiq::Client pushes with LPUSH
redis.lpush("queue:other", json.dumps(job("other", start - 100)))
for i in range(scheduled):
    at = time.time() + 3600 + i
    entry = job(name, at)
    del entry["enqueued_at"]
    redis.zadd("schedule", {json.dumps(entry): at})
redis.zadd("schedule", {json.dumps(job("other", time.time())): time.time() + 60})

identity = "worker-host:1234:abcdef"
redis.sadd("processes", identity)
redis.hset(identity, mapping={"busy": busy + 1, "beat": time.time(), "quiet": "false"})
for i in range(busy):
    payload = json.dumps(job(name, start))
    redis.hset(f"{identity}:work", f"tid{i}", json.dumps({"queue": name, "payload": payload, "run_at": int(time.time())}))
redis.hset(f"{identity}:work", "tidother", json.dumps({"queue": "other", "payload": "{}", "run_at": int(time.time())}))
print(json.dumps({"oldest_enqueued_at": oldest}), flush=True)
