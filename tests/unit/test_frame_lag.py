from stream_relay.frame_lag import FrameLag


def test_lag_is_measured_from_the_best_offset_seen():
    lag = FrameLag()
    for n in range(100):
        lag.frame(handled_ms=1000 + 20 * n + (30 if n == 50 else 0), stamp_ms=20 * n)
    assert lag.percentile(50) == 0
    assert lag.percentile(100) == 30
    assert lag.summary()["inbound_frames"] == 100


def test_no_frames_no_figures():
    assert FrameLag().summary() == {"inbound_frames": 0, "inbound_lag_p50_ms": None, "inbound_lag_p99_ms": None}


def test_a_later_smaller_offset_rebases_frames_already_counted():
    lag = FrameLag()
    lag.frame(handled_ms=1050, stamp_ms=0)  # first frame handled 50 ms late
    for n in range(1, 100):
        lag.frame(handled_ms=1000 + 20 * n, stamp_ms=20 * n)
    assert lag.percentile(50) == 0
    assert lag.percentile(100) == 50
