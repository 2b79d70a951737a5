"""After the bidding: scrape /metrics of every server process (each daphne, the Celery worker) and summarise it.

Before the scrape the worker stops taking tasks from its queue for a moment (Celery's cancel_consumer), so that
beat's once-a-second tasks pile up and the queue-depth gauge reads a real backlog; it takes them again afterwards.
Every process is also asked once without the token, which must be refused.
"""

import time

from bench.stack import http_get

QUEUE = "lifecycle"  # where beat's once-a-second tasks go (CELERY_TASK_ROUTES)


def scrape(stack, redis_url: str) -> dict:
    from celery import Celery
    from redis import Redis

    control = Celery("bench-control", broker=redis_url, set_as_current=False)  # never the process's current app
    broker = Redis.from_url(redis_url)
    addresses = stack.metrics_addresses()
    result: dict = {"refused_without_token": {}, "processes": {}, "queue_backlog": None}
    try:
        control.control.cancel_consumer(QUEUE, reply=True, timeout=5)
        deadline = time.monotonic() + 10
        while broker.llen(QUEUE) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        result["queue_backlog"] = broker.llen(QUEUE)
        for name, address in addresses.items():
            result["refused_without_token"][name] = http_get(address, "/metrics")[0]
            status, body = http_get(address, "/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"})
            if status != 200:
                raise RuntimeError(f"{name}'s /metrics answered {status} to the bench's token")
            result["processes"][name] = summarise(body.decode())
    finally:
        control.control.add_consumer(QUEUE, reply=True, timeout=5)
        broker.close()
    return result


QUANTILES = (0.5, 0.95, 0.99)


def summarise(text: str) -> dict:
    """Per family: its type, how many samples and how many non-zero; every sample of the platform's own series
    (umaseri_*) but the histogram buckets, by name and labels; and of each of their histograms, per label set,
    the bucket bound that p50, p95 and p99 fall under (the server's own view of a delay, beside the clients')."""
    from prometheus_client.parser import text_string_to_metric_families

    families, values, quantiles = {}, {}, {}
    for family in text_string_to_metric_families(text):
        samples = [sample for sample in family.samples if not sample.name.endswith("_created")]
        families[family.name] = {
            "type": family.type,
            "samples": len(samples),
            "nonzero": sum(1 for sample in samples if sample.value),
        }
        if family.name.startswith("umaseri_"):
            for sample in samples:
                if not sample.name.endswith("_bucket"):
                    labels = ",".join(f"{key}={value}" for key, value in sorted(sample.labels.items()))
                    values[f"{sample.name}{{{labels}}}"] = sample.value
            if family.type == "histogram":
                quantiles.update(bucket_quantiles(family.name, samples))
    return {"families": families, "values": values, "quantiles": quantiles}


def bucket_quantiles(name: str, samples) -> dict:
    """{"name{labels}": {"count": n, "p50": bound, ...}}: each quantile as the upper bound of the bucket it falls
    in, in milliseconds ("> last bound" past the last finite one): a histogram knows no finer."""
    series: dict[str, list[tuple[float, float]]] = {}
    for sample in samples:
        if not sample.name.endswith("_bucket"):
            continue
        labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()) if k != "le")
        series.setdefault(labels, []).append((float(sample.labels["le"]), sample.value))
    result = {}
    for labels, buckets in series.items():
        buckets.sort()
        total = buckets[-1][1]
        if not total:
            continue
        finite = [bound for bound, _ in buckets if bound != float("inf")]
        entry: dict = {"count": int(total)}
        for q in QUANTILES:
            bound = next(bound for bound, count in buckets if count >= q * total)
            entry[f"p{round(q * 100)}"] = f"> {finite[-1] * 1000:g}" if bound == float("inf") else bound * 1000
        result[f"{name}{{{labels}}}"] = entry
    return result
