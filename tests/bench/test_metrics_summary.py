"""The bench's reading of a server's /metrics: a histogram's quantiles come from its buckets."""

from bench.metrics import summarise

EXPOSITION = """\
# HELP umaseri_event_delivery_seconds From the stamp to the last socket.
# TYPE umaseri_event_delivery_seconds histogram
umaseri_event_delivery_seconds_bucket{event="auction:update",le="0.005"} 50.0
umaseri_event_delivery_seconds_bucket{event="auction:update",le="0.025"} 94.0
umaseri_event_delivery_seconds_bucket{event="auction:update",le="0.1"} 99.0
umaseri_event_delivery_seconds_bucket{event="auction:update",le="+Inf"} 100.0
umaseri_event_delivery_seconds_count{event="auction:update"} 100.0
umaseri_event_delivery_seconds_sum{event="auction:update"} 1.5
umaseri_event_delivery_seconds_bucket{event="auction:timer",le="0.005"} 0.0
umaseri_event_delivery_seconds_bucket{event="auction:timer",le="0.025"} 0.0
umaseri_event_delivery_seconds_bucket{event="auction:timer",le="0.1"} 0.0
umaseri_event_delivery_seconds_bucket{event="auction:timer",le="+Inf"} 0.0
umaseri_event_delivery_seconds_count{event="auction:timer"} 0.0
umaseri_event_delivery_seconds_sum{event="auction:timer"} 0.0
"""


def test_each_quantile_is_the_bound_of_the_bucket_it_falls_in_and_past_the_last_is_said_so():
    quantiles = summarise(EXPOSITION)["quantiles"]

    assert quantiles == {
        "umaseri_event_delivery_seconds{event=auction:update}": {"count": 100, "p50": 5.0, "p95": 100.0, "p99": 100.0}
    }


def test_a_quantile_beyond_every_finite_bucket_is_given_as_above_the_last_bound():
    text = EXPOSITION.replace('le="0.1"} 99.0', 'le="0.1"} 98.0')

    update = summarise(text)["quantiles"]["umaseri_event_delivery_seconds{event=auction:update}"]

    assert update["p99"] == "> 100"
