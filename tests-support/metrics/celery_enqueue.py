"""Sends Celery tasks through the real `celery` client to the Redis broker, some with priorities
(which land in kombu's priority sub-queues), and prints the queue size as kombu reports it.

usage: celery_enqueue.py BROKER_URL QUEUE PLAIN PRIORITIZED
"""
import json
import sys

from celery import Celery

url, name, plain, prioritized = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
app = Celery("ballast_test", broker=url)
for i in range(plain):
    app.send_task("tasks.work", args=[i], queue=name)
for i in range(prioritized):
    app.send_task("tasks.work", args=[i], queue=name, priority=[3, 5, 7, 9][i % 4])

with app.connection_for_write() as connection:
    size = connection.default_channel.queue_declare(queue=name, passive=True).message_count
print(json.dumps({"message_count": size}), flush=True)
