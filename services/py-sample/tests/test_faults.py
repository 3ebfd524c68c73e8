import multiprocessing

from lbsample.lab.faults import STATE_BYTES, FaultStore, active_kinds, affects, latency_now


def test_latency_is_the_set_amount_give_or_take_the_jitter():
    assert latency_now({"latencyMs": 300}, 0, 0.9) == 300
    assert latency_now({"latencyMs": 300, "jitterMs": 50}, 0, 0) == 250
    assert latency_now({"latencyMs": 300, "jitterMs": 50}, 0, 0.999999) == 350
    assert latency_now({"jitterMs": 50}, 0, 0.9) == 0


def test_slow_start_shrinks_in_a_straight_line_to_nothing():
    cold = {"latencyMs": 1000, "slowStartSeconds": 10}
    assert [latency_now(cold, ms, 0.5) for ms in (0, 5000, 10_000, 60_000)] == [1000, 500, 0, 0]
    assert active_kinds(cold) == ["slow_start"]


def test_probes_and_the_switch_are_never_affected_and_routes_narrows_the_rest():
    assert not any(affects({}, path) for path in ("/health", "/ready", "/metrics", "/faults", "/ready?x=1"))
    assert affects({}, "/api/whoami")
    assert affects({"routes": ["/api/notes"]}, "/api/notes/7")
    assert not affects({"routes": ["/api/notes"]}, "/api/whoami")


def test_a_fault_set_by_one_worker_holds_in_every_worker():
    shared = multiprocessing.Array("c", STATE_BYTES)
    one, other = FaultStore(shared), FaultStore(shared)
    one.set({"latencyMs": 300, "routes": ["/api/notes"]})
    assert other.get()["faults"] == {"latencyMs": 300, "routes": ["/api/notes"]}
    assert other.get()["setAt"] is not None
    other.set({})
    assert one.get() == {"faults": {}, "setAt": None}
