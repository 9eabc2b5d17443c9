"""The hidden entry: only a still finger held in the very top-left corner long enough opens the PIN pad."""

from __future__ import annotations

from hypothesis import given, strategies as st

from tests.technician.conftest import FakeClock
from ui.technician.gesture import CornerHold

HEIGHT = 800.0


def corner_hold(clock: FakeClock) -> CornerHold:
    return CornerHold(corner_px=31, hold_seconds=3.0, slop_px=25, clock=clock)


def test_held_three_seconds_in_the_corner_opens() -> None:
    clock = FakeClock()
    gesture = corner_hold(clock)
    gesture.press("a", 5, HEIGHT - 5, HEIGHT)
    clock.advance(2.9)
    assert not gesture.held_long_enough()
    clock.advance(0.1)
    assert gesture.held_long_enough()
    assert gesture.release("a")


def test_short_taps_in_the_corner_never_open() -> None:
    clock = FakeClock()
    gesture = corner_hold(clock)
    for _ in range(20):  # a citizen drumming on the corner
        gesture.press("t", 10, HEIGHT - 10, HEIGHT)
        clock.advance(0.2)
        assert not gesture.release("t")
        clock.advance(0.1)


def test_holding_elsewhere_or_sliding_or_two_fingers_does_not_open() -> None:
    clock = FakeClock()
    gesture = corner_hold(clock)
    gesture.press("a", 200, HEIGHT - 10, HEIGHT)  # the 返回 button, held
    clock.advance(5)
    assert not gesture.release("a")
    gesture.press("b", 5, HEIGHT - 5, HEIGHT)
    gesture.move("b", 60, HEIGHT - 60)  # starts in the corner, slides away (a swipe)
    clock.advance(5)
    assert not gesture.release("b")
    gesture.press("c", 5, HEIGHT - 5, HEIGHT)
    gesture.press("d", 600, 400, HEIGHT)  # a second finger (a child's palm) cancels
    clock.advance(5)
    assert not gesture.release("c")
    gesture.press("e", 5, 5, HEIGHT)  # bottom-left is not the corner
    clock.advance(5)
    assert not gesture.release("e")


@given(st.lists(st.tuples(st.floats(0, 1280), st.floats(0, 800), st.floats(0, 2.99)), max_size=40))
def test_no_sequence_of_short_touches_opens(touches: list[tuple[float, float, float]]) -> None:
    clock = FakeClock()
    gesture = corner_hold(clock)
    for n, (x, y, held) in enumerate(touches):
        gesture.press(n, x, y, HEIGHT)
        clock.advance(held)
        assert not gesture.release(n)
