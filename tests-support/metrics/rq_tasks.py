"""Job functions for rq_enqueue.py's worker."""
import time


def work(i):
    time.sleep(600)
    return i
