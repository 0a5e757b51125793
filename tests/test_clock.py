"""ServerClock: offset from a half-round-trip-corrected measurement, staleness, invalidation."""

from __future__ import annotations

from binance_async.clock import ServerClock


class FakeTime:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_offset_is_half_round_trip_corrected() -> None:
    now = FakeTime(1000.0)
    clock = ServerClock(time_source=now, refresh_interval=60)
    assert clock.stale() and not clock.measured
    # sent at 1000.0, received at 1000.2: the server stamped its time at the midpoint
    clock.update(server_time_ms=1_000_100 + 5_000, sent_at=1000.0, received_at=1000.2)
    assert abs(clock.offset_ms - 5000.0) < 1e-6
    assert abs(clock.round_trip_ms - 200.0) < 1e-6  # type: ignore[operator]
    assert clock.now_ms() == 1_005_000
    assert abs(clock.server_time() - 1005.0) < 1e-9
    assert not clock.stale()
    now.t += 59.9  # measured at 1000.2 (the receive time)
    assert not clock.stale()
    now.t += 0.5
    assert clock.stale()


def test_invalidate() -> None:
    clock = ServerClock(time_source=FakeTime(5.0))
    clock.update(5000, 5.0, 5.0)
    assert not clock.stale()
    clock.invalidate()
    assert clock.stale()
