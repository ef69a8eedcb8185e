"""A Prometheus exporter for the tests, with the real `prometheus-client`: one plain gauge, one
metric with several series, NaN and +Inf values, and a metric carrying its own timestamp 120 s in the
past (as federation or a push gateway would), to exercise staleness. Prints its port, then serves
until stdin closes.
"""
import math
import sys
import time

from prometheus_client import CollectorRegistry, Gauge, start_http_server
from prometheus_client.core import GaugeMetricFamily

registry = CollectorRegistry()
Gauge("ballast_test_depth", "a plain gauge", registry=registry).set(42)
per_pod = Gauge("ballast_test_per_pod", "one series per pod", ["pod"], registry=registry)
for pod, value in (("a", 1), ("b", 2), ("c", 4)):
    per_pod.labels(pod=pod).set(value)
Gauge("ballast_test_nan", "NaN", registry=registry).set(math.nan)
Gauge("ballast_test_inf", "+Inf", registry=registry).set(math.inf)


class Old:
    def collect(self):
        family = GaugeMetricFamily("ballast_test_old", "sampled 120 s ago")
        family.add_metric([], 7, timestamp=time.time() - 120)
        yield family


registry.register(Old())
server, _ = start_http_server(0, addr="127.0.0.1", registry=registry)
print(server.server_port, flush=True)
sys.stdin.read()
