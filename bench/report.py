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


def figures(
    *,
    recorded,
    rooms: Counter,
    truth: dict,
    prober,
    monitor,
    sockets: int,
    servers: int,
    duration: float,
    bidding: tuple[float, float],
):
    """`bidding`: its start and end (time.time()); the ticks stamped between them are the ones counted."""
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
    timer_ticks = tick_reach(reach, rooms, bidding)
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
        daphne = [name for name in after["roles"] if name.startswith("ws-")]  # the socket pool
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
        "timer_ticks": timer_ticks,
        "cpu_per_message_us": _cpu_per_message(usage, delivered, timer_ticks, duration),
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
        "client": {
            "loop_lag": summary(samples["client_loop_lag"]),
            "probe_loop_lag": summary(samples["probe_loop_lag"]),
            "gc_pause": summary(samples["client_gc_pause"]),
        },
        "counters": dict(sorted(counts.items())),
        "rooms": {
            "count": len(rooms),
            "sockets_min": min(rooms.values(), default=0),
            "sockets_max": max(rooms.values(), default=0),
        },
        "servers_count": servers,
    }


def tick_reach(reach: dict[tuple, list], rooms: Counter, bidding: tuple[float, float]) -> dict:
    """Timer ticks stamped within the bidding (its start and end, time.time()), by room and stamp: each must reach
    every socket of its room. Outside the room events' total: they are not room events."""
    first_ms, last_ms = bidding[0] * 1000, bidding[1] * 1000
    ticks = [
        (got, rooms.get(key[1], 0))
        for key, (got, _slowest) in reach.items()
        if key[0] == "timer" and first_ms <= key[2] <= last_ms
    ]
    counted = {
        "ticks": len(ticks),
        "delivered": sum(got for got, _expected in ticks),
        "expected": sum(expected for _got, expected in ticks),
        # Where a shortfall is: each tick that missed sockets, as (sockets that got it, the room's), at most 20.
        "short": [[got, expected] for got, expected in ticks if got < expected][:20],
    }
    counted["ratio"] = round(counted["delivered"] / counted["expected"], 6) if counted["expected"] else None
    return counted


def _cpu_per_message(usage: dict, delivered: dict, timer_ticks: dict, duration: float) -> dict | None:
    """The socket pool's CPU (user + system, from the monitor's counters) per message it delivered: room events
    and timer ticks of the bidding, over its length (the drain's few seconds tick at the same rate)."""
    pool = {name: u for name, u in usage.items() if name.startswith("ws-")}
    messages = delivered.get("total", {}).get("delivered", 0) + timer_ticks.get("delivered", 0)
    if not pool or not messages or not duration:
        return None
    cores = sum(u["cpu_percent_of_core"] or 0 for u in pool.values()) / 100
    return {
        "us": round(cores / (messages / duration) * 1e6, 1),
        "socket_pool_cores": round(cores, 2),
        "messages_per_second": round(messages / duration),
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
        in_flight = (results.get("config") or {}).get("connect_concurrency")
        rows.append(
            {
                "what": f"every socket joined, from the first handshake ({in_flight} in flight)",
                "target": "< 15 s",
                "measured": f"{sockets:,} in {phase.get('seconds')} s",
                "holds": phase.get("seconds") is not None and phase["seconds"] < 15 and not phase.get("failed"),
            }
        )
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
    ticks = results.get("timer_ticks") or {}
    if ticks.get("expected"):
        rows.append(
            {
                "what": "timer ticks of the bidding delivered / expected (each to every socket of its room)",
                "target": "all",
                "measured": f"{ticks['delivered']:,} / {ticks['expected']:,} ({ticks['ticks']:,} ticks)",
                "holds": ticks["delivered"] == ticks["expected"],
            }
        )
    cpu = results.get("cpu_per_message_us")
    if cpu:
        rows.append(
            {
                "what": "socket pool CPU per delivered message",
                "target": "≤ 40 µs",
                "measured": f"{cpu['us']} µs ({cpu['socket_pool_cores']} cores, {cpu['messages_per_second']:,}/s)",
                "holds": cpu["us"] <= 40,
            }
        )
    memory = (results.get("memory") or {}).get("daphne_kib_per_socket")
    if memory is not None:
        rows.append(
            {
                "what": "socket pool memory per held socket",
                "target": "≤ 30 KiB",
                "measured": f"{memory} KiB",
                "holds": memory <= 30,
            }
        )
    return rows


# (what, how to read it from a run's results, unit): the figures put beside the bare server's (--baseline).
BESIDE_BASELINE = [
    ("every socket joined (burst)", lambda r: _dig(r, "connect_phase.seconds"), "s"),
    ("connect, burst p95", lambda r: _dig(r, "connect.burst.total.p95"), "ms"),
    ("connect one at a time p95", lambda r: _dig(r, "connect.serial.total.p95"), "ms"),
    ("socket bid → answer p95", lambda r: _dig(r, "bids.socket.p95"), "ms"),
    ("bid → every watcher p95", lambda r: _dig(r, "delivery.update_every_watcher.p95"), "ms"),
    ("bid → every watcher p99", lambda r: _dig(r, "delivery.update_every_watcher.p99"), "ms"),
    ("timer tick → socket p95", lambda r: _dig(r, "delivery.timer.p95"), "ms"),
    ("timer ticks delivered / expected", lambda r: _dig(r, "timer_ticks.ratio"), ""),
    ("socket pool CPU per delivered message", lambda r: _dig(r, "cpu_per_message_us.us"), "µs"),
    ("socket pool memory per socket", lambda r: _dig(r, "memory.daphne_kib_per_socket"), "KiB"),
]


def beside_baseline(results: dict, baseline: dict) -> dict:
    """The platform's figures beside the bare server's from the same run, and their ratio (a ratio survives a
    noisy shared machine, an absolute figure does not). Acceptance: CPU per message at most twice the bare's."""
    rows = []
    for what, read, unit in BESIDE_BASELINE:
        platform, bare = read(results), read(baseline)
        ratio = round(platform / bare, 1) if isinstance(platform, int | float) and bare else None
        rows.append({"what": what, "unit": unit, "bare": bare, "platform": platform, "ratio": ratio})
    cpu = next(row for row in rows if row["unit"] == "µs")
    return {
        "rows": rows,
        "cpu_within_twice_bare": None if cpu["ratio"] is None else cpu["ratio"] <= 2,
        "bare_sockets_joined": _dig(baseline, "connect_phase.sockets_connected"),
        "bare_loadavg": (baseline.get("machine") or {}).get("loadavg_after"),
        "bare_results_started_at": baseline.get("started_at"),
    }


def _baseline_markdown(beside: dict) -> list[str]:
    lines = [
        "",
        f"Beside the bare server (bench.bare, one process, same load generator, run just before: "
        f"{beside['bare_sockets_joined']:,} sockets joined):",
        "",
        "| figure | bare | platform | platform ÷ bare |",
        "|---|---|---|---|",
    ]
    for row in beside["rows"]:
        unit = f" {row['unit']}" if row["unit"] else ""
        bare = "—" if row["bare"] is None else f"{row['bare']}{unit}"
        platform = "—" if row["platform"] is None else f"{row['platform']}{unit}"
        lines.append(f"| {row['what']} | {bare} | {platform} | {'—' if row['ratio'] is None else row['ratio']} |")
    holds = {True: "yes", False: "**no**", None: "n/a"}[beside["cpu_within_twice_bare"]]
    lines.append(f"\n- CPU per delivered message within twice the bare server's: {holds}")
    return lines


SERVER_DELAYS = {
    "umaseri_event_delivery_seconds": "room event, publisher's stamp → its last socket in the process",
    "umaseri_event_arrival_seconds": "room event, publisher's stamp → the process's room hub",
    "umaseri_event_loop_lag_seconds": "event loop lag (a timer's lateness)",
    "umaseri_bid_place_duration_seconds": "bid_place",
    "umaseri_socket_bid_seconds": "socket bid (waited: for a thread or bid process; answered: frame → answer)",
}


def _server_delays(results: dict) -> list[str]:
    """The servers' own histograms, bucket bounds in ms: what happened inside a process, beside what the clients
    saw (the difference is the box's queueing between a server's write and a client's read)."""
    lines = []
    for process, scraped in ((results.get("metrics") or {}).get("processes") or {}).items():
        for series, entry in (scraped.get("quantiles") or {}).items():
            name, _, labels = series.partition("{")
            if name in SERVER_DELAYS and entry["count"]:
                lines.append(
                    f"  - {process} {SERVER_DELAYS[name]} {{{labels}: n={entry['count']}, p50 ≤ {entry['p50']}, "
                    f"p95 ≤ {entry['p95']}, p99 ≤ {entry['p99']} ms"
                )
    return ["- the servers' own histograms (bucket bounds):", *lines] if lines else []


def markdown(results: dict) -> str:
    rows = results.get("targets") or targets(results)
    machine = results.get("machine", {})
    lines = [
        f"## Scenario {results['scenario']}: {results['description']}",
        "",
        f"{results['config']['servers']} {results['config'].get('server', 'daphne')} (sockets)"
        + f" + {results['config'].get('rest_servers', 0)} {results['config'].get('rest_server', 'daphne')} (REST)"
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
        f"- memory per socket: socket pool {memory.get('daphne_kib_per_socket')} KiB"
        + (f", nginx {memory.get('nginx_kib_per_socket')} KiB" if "nginx_kib_per_socket" in memory else ""),
        "- server CPU (% of one core) and peak RSS: "
        + ", ".join(
            f"{name} {u.get('cpu_percent_of_core')}% {u.get('rss_mb_peak')} MB"
            for name, u in (results.get("servers") or {}).items()
            if name != "machine"
        ),
        f"- machine: {(results.get('servers') or {}).get('machine')}; client loop lag "
        f"p50 {((results.get('client') or {}).get('loop_lag') or {}).get('p50')} ms, "
        f"p99 {((results.get('client') or {}).get('loop_lag') or {}).get('p99')} ms (the connect probe's: p99 "
        f"{((results.get('client') or {}).get('probe_loop_lag') or {}).get('p99')} ms); the clients' full collections: "
        f"{((results.get('client') or {}).get('gc_pause') or {}).get('count')}, longest "
        f"{((results.get('client') or {}).get('gc_pause') or {}).get('max')} ms",
        f"- queries per accepted bid: {(results.get('bid_query_count') or {}).get('queries')}; "
        f"permessage-deflate negotiated: {(results.get('connect_phase') or {}).get('negotiated_extensions')}",
        f"- servers' full collections: {results.get('server_gc')}",
        *_server_delays(results),
    ]
    if results.get("errors"):
        lines.append(f"- ERRORS: {results['errors']}")
    if results.get("baseline"):
        lines += _baseline_markdown(results["baseline"])
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
