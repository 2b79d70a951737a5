"""From what the load generators and probes recorded to the figures: JSON sections, the markdown table, the plot."""

import array
from collections import Counter, defaultdict

from bench.stats import summary

# (what, key in the results, percentile compared, limit in ms) — the design's targets.
LATENCY_TARGETS = [
    ("WebSocket connect, burst (TCP + handshake + session + join)", "connect.burst.total", "p95", 100),
    ("WebSocket connect, one at a time while the others are held", "connect.serial.total", "p95", 100),
    ("bid processed: socket bid → its answer", "bids.socket", "p95", 50),
    ("bid processed: REST POST bid → 201/4xx", "bids.rest", "p95", 50),
    ("bid delivered to every watcher (slowest socket of each bid)", "delivery.update_every_watcher", "p95", 100),
    ("bid delivered, each socket", "delivery.update_each", "p95", 100),
    ("REST browsing (auction list, detail, horse list)", "rest.all", "p95", 200),
    ("database: one auction row (SELECT by id)", "database.auction_row", "p95", 50),
    ("database: SELECT 1", "database.select1", "p95", 50),
    ("Redis: PING", "redis.ping", "p99", 5),
]


def _samples(recorded: list[dict]) -> dict[str, array.array]:
    merged: dict[str, array.array] = defaultdict(lambda: array.array("d"))
    for part in recorded:
        for name, raw in part["samples"].items():
            values = array.array("d")
            values.frombytes(raw)
            merged[name].extend(values)
    return merged


def _stages(samples: dict, prefix: str) -> dict:
    return {stage: summary(samples[f"{prefix}_{stage}"]) for stage in ("total", "tcp", "handshake", "session", "join")}


def figures(*, recorded, rooms: Counter, truth: dict, prober, monitor, sockets: int, servers: int, duration: float):
    samples = _samples(recorded)
    counts: Counter = sum((Counter(part["counts"]) for part in recorded), Counter())
    codes: Counter = sum((Counter(part["codes"]) for part in recorded), Counter())
    reach: dict[tuple, list] = {}
    for part in recorded:
        for key, (got, slowest) in part["reach"].items():
            entry = reach.setdefault(tuple(key), [0, 0.0])
            entry[0] += got
            entry[1] = max(entry[1], slowest)

    # Delivered / expected per event type: every socket of a room must get every event of that room.
    delivered = {}
    every_watcher = array.array("d")
    update_got = update_expected = 0
    incomplete = 0
    for bid_id, auction_id in truth["bids"].items():
        expected = rooms.get(auction_id, 0)
        got, slowest = reach.get(("update", bid_id), (0, None))
        update_got += got
        update_expected += expected
        if expected and got >= expected:
            every_watcher.append(slowest)
        elif expected:
            incomplete += 1
    delivered["auction:update"] = {
        "delivered": update_got,
        "expected": update_expected,
        "events": len(truth["bids"]),
        "events_not_reaching_every_watcher": incomplete,
        "duplicates": counts.get("duplicate:auction:update", 0),
    }
    got = sum(v[0] for k, v in reach.items() if k[0] == "extended")
    expected = sum(n * rooms.get(auction_id, 0) for auction_id, n in truth["extensions"].items())
    delivered["auction:extended"] = {
        "delivered": got,
        "expected": expected,
        "events": sum(truth["extensions"].values()),
        "duplicates": counts.get("duplicate:auction:extended", 0),
    }
    got = sum(v[0] for k, v in reach.items() if k[0] == "ended")
    expected = sum(rooms.get(auction_id, 0) for auction_id in truth["ended"])
    delivered["auction:ended"] = {
        "delivered": got,
        "expected": expected,
        "events": len(truth["ended"]),
        "duplicates": counts.get("duplicate:auction:ended", 0),
    }
    delivered["total"] = {
        "delivered": sum(v["delivered"] for v in delivered.values()),
        "expected": sum(v["expected"] for v in delivered.values()),
    }
    delivered["total"]["ratio"] = (
        round(delivered["total"]["delivered"] / delivered["total"]["expected"], 6)
        if delivered["total"]["expected"]
        else None
    )

    usage = monitor.between("start", "end")
    before, after = _mark_sample(monitor, "before_connect"), _mark_sample(monitor, "after_connect")
    memory = {}
    if before and after:
        daphne = [name for name in after["roles"] if name.startswith("daphne")]
        grown = sum(after["roles"][n]["rss_mb"] - before["roles"][n]["rss_mb"] for n in daphne)
        memory = {
            "daphne_rss_mb_before_connect": {n: before["roles"][n]["rss_mb"] for n in daphne},
            "daphne_rss_mb_after_connect": {n: after["roles"][n]["rss_mb"] for n in daphne},
            "daphne_kib_per_socket": round(grown * 1024 / sockets, 1) if sockets else None,
        }
        if "nginx" in after["roles"]:
            grown = after["roles"]["nginx"]["rss_mb"] - before["roles"]["nginx"]["rss_mb"]
            memory["nginx_kib_per_socket"] = round(grown * 1024 / sockets, 1) if sockets else None

    accepted = codes.get("ws:accepted", 0) + codes.get("rest:accepted", 0)
    return {
        "connect": {"burst": _stages(samples, "connect_burst"), "serial": _stages(samples, "connect_serial")},
        "bids": {
            "socket": summary(samples["bid_ws"]),
            "rest": summary(samples["bid_rest"]),
            "answers": dict(sorted(codes.items())),
            "accepted": accepted,
            "accepted_per_second": round(accepted / duration, 1) if duration else None,
            "in_database_by_source": truth["bids_by_source"],
            "auctions_with_bids": len(set(truth["bids"].values())),
        },
        "delivery": {
            "update_each": summary(samples["deliver_update"]),
            "update_each_from_publish": summary(samples["deliver_update_published"]),
            "update_every_watcher": summary(every_watcher),
            "timer": summary(samples["deliver_timer"]),
            "extended": summary(samples["deliver_extended"]),
            "ended": summary(samples["deliver_ended"]),
            "timers_received": counts.get("auction:timer", 0),
        },
        "delivered": delivered,
        "rest": {
            "all": summary(samples["rest_browse"]),
            "auction_list": summary(samples["rest_auction_list"]),
            "auction_detail": summary(samples["rest_auction_detail"]),
            "horse_list": summary(samples["rest_horse_list"]),
        },
        "database": {
            "select1": summary(prober.samples["db_select1"]),
            "auction_row": summary(prober.samples["db_auction_row"]),
        },
        "redis": {"ping": summary(prober.samples["redis_ping"]), "get": summary(prober.samples["redis_get"])},
        "probe_errors": prober.errors,
        "servers": usage,
        "memory": memory,
        "client": {"loop_lag": summary(samples["client_loop_lag"])},
        "counters": dict(sorted(counts.items())),
        "rooms": {
            "count": len(rooms),
            "sockets_min": min(rooms.values(), default=0),
            "sockets_max": max(rooms.values(), default=0),
        },
        "servers_count": servers,
    }


def _mark_sample(monitor, name: str) -> dict | None:
    at = monitor.marks.get(name)
    return next((s for s in monitor.series if s["t"] == at), None)


def _dig(results: dict, path: str):
    node = results
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def targets(results: dict) -> list[dict]:
    rows = []
    for what, path, percentile, limit in LATENCY_TARGETS:
        figure = _dig(results, path) or {}
        value = figure.get(percentile)
        rows.append(
            {
                "what": what,
                "target": f"{percentile} < {limit} ms",
                "measured": None
                if value is None
                else f"{percentile} {value:.1f} ms (p99 {figure.get('p99')}, n={figure.get('count')})",
                "holds": None if value is None else value < limit,
            }
        )
    phase = results.get("connect_phase") or {}
    sockets = phase.get("sockets_connected", 0)
    if phase:
        rows.append(
            {
                "what": "connect attempts refused in the burst (each retried, up to 5 tries)",
                "target": "none",
                "measured": f"{phase.get('failed_attempts_retried', 0):,} refused, {phase.get('failed', 0):,} never in",
                "holds": not phase.get("failed_attempts_retried") and not phase.get("failed"),
            }
        )
    rows.append(
        {
            "what": "concurrent connections",
            "target": "10,000+",
            "measured": f"{sockets:,} held",
            "holds": sockets >= 10_000,
        }
    )
    active = (results.get("bids") or {}).get("auctions_with_bids", 0)
    rows.append(
        {"what": "concurrent auctions with bids", "target": "100+", "measured": str(active), "holds": active >= 100}
    )
    total = (results.get("delivered") or {}).get("total") or {}
    if total:
        rows.append(
            {
                "what": "broadcasts delivered / expected (all rooms, all servers)",
                "target": "all",
                "measured": f"{total['delivered']:,} / {total['expected']:,}",
                "holds": total["delivered"] == total["expected"],
            }
        )
    return rows


def markdown(results: dict) -> str:
    rows = results.get("targets") or targets(results)
    machine = results.get("machine", {})
    lines = [
        f"## Scenario {results['scenario']}: {results['description']}",
        "",
        f"{results['config']['servers']} {results['config'].get('server', 'daphne')}"
        + (" behind nginx" if results["config"]["nginx"] else "")
        + f", {results['config']['workers']} load processes, {results['config']['duration']:.0f} s of bidding; "
        f"load average before {machine.get('loadavg_before')}, after {machine.get('loadavg_after')}"
        + (f"; note: {results['label']}" if results.get("label") else ""),
        "",
        "| what | target | measured | holds? |",
        "|---|---|---|---|",
    ]
    for row in rows:
        holds = {True: "yes", False: "**no**", None: "n/a"}[row["holds"]]
        lines.append(f"| {row['what']} | {row['target']} | {row['measured'] or 'not measured'} | {holds} |")
    bids = results.get("bids") or {}
    memory = results.get("memory") or {}
    delivered = results.get("delivered") or {}
    lines += [
        "",
        f"- bids accepted: {bids.get('accepted')} ({bids.get('accepted_per_second')}/s); "
        f"answers: {bids.get('answers')}",
        f"- drain after the bidding (until no room event for {results['config'].get('drain')} s): "
        f"{results.get('drain_seconds')} s",
        "- delivered/expected by event: "
        + ", ".join(f"{k} {v['delivered']}/{v['expected']}" for k, v in delivered.items() if k != "total"),
        f"- memory per socket: daphne {memory.get('daphne_kib_per_socket')} KiB"
        + (f", nginx {memory.get('nginx_kib_per_socket')} KiB" if "nginx_kib_per_socket" in memory else ""),
        "- server CPU (% of one core) and peak RSS: "
        + ", ".join(
            f"{name} {u.get('cpu_percent_of_core')}% {u.get('rss_mb_peak')} MB"
            for name, u in (results.get("servers") or {}).items()
            if name != "machine"
        ),
        f"- machine: {(results.get('servers') or {}).get('machine')}; client loop lag "
        f"p99 {((results.get('client') or {}).get('loop_lag') or {}).get('p99')} ms",
        f"- queries per accepted bid: {(results.get('bid_query_count') or {}).get('queries')}; "
        f"permessage-deflate negotiated: {(results.get('connect_phase') or {}).get('negotiated_extensions')}",
        f"- daphne full collections: {results.get('server_gc')}",
    ]
    if results.get("errors"):
        lines.append(f"- ERRORS: {results['errors']}")
    return "\n".join(lines)


PLOTTED = [
    ("connect burst", "connect.burst.total"),
    ("connect one at a time", "connect.serial.total"),
    ("bid answer (socket)", "bids.socket"),
    ("bid answer (REST)", "bids.rest"),
    ("bid → every watcher", "delivery.update_every_watcher"),
    ("bid → each socket", "delivery.update_each"),
    ("timer tick → socket", "delivery.timer"),
    ("REST browsing", "rest.all"),
    ("DB auction row", "database.auction_row"),
    ("Redis PING", "redis.ping"),
]


def plot(results: dict, path) -> str | None:
    """A PNG of the latency percentiles (log scale), one line per figure. None when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    keys = ["p50", "p90", "p95", "p99", "p99_9", "max"]
    figure, axes = plt.subplots(figsize=(10, 6))
    for label, path_in_results in PLOTTED:
        figure_data = _dig(results, path_in_results) or {}
        values = [figure_data.get(k) for k in keys]
        if not figure_data.get("count") or any(v is None for v in values):
            continue
        label = f"{label} (n={figure_data['count']})"
        axes.plot(range(len(keys)), [max(v, 0.01) for v in values], marker="o", label=label)
    for limit, style in ((5, ":"), (50, "--"), (100, "-."), (200, "-")):
        axes.axhline(limit, color="grey", linestyle=style, linewidth=0.8)
        axes.annotate(f"{limit} ms", (len(keys) - 1, limit), color="grey", fontsize=8, va="bottom")
    axes.set_xticks(range(len(keys)), ["p50", "p90", "p95", "p99", "p99.9", "max"])
    axes.set_yscale("log")
    axes.set_ylabel("milliseconds")
    axes.set_title(f"Scenario {results['scenario']}: {results['description']}")
    axes.legend(fontsize=8, loc="upper left")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return str(path)
