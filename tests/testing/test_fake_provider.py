"""The provider's admission arithmetic: capacity slots and sliding rate windows (pure)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warpgraph.testing._fake_provider import MINUTE, Provider, RateLimited, SlidingWindow

S = 1_000_000_000


def test_a_window_with_room_admits_at_once() -> None:
    window = SlidingWindow(2)
    window.add(0, 1)
    assert window.earliest(5 * S, 1) == 5 * S


def test_a_full_window_admits_when_its_oldest_entry_leaves() -> None:
    window = SlidingWindow(2)
    window.add(0, 1)
    window.add(10 * S, 1)
    assert window.earliest(20 * S, 1) == MINUTE
    assert window.earliest(MINUTE, 1) == MINUTE


def test_a_token_window_waits_until_enough_tokens_have_left() -> None:
    window = SlidingWindow(100)
    window.add(0, 60)
    window.add(1 * S, 30)
    window.add(2 * S, 10)
    assert window.earliest(3 * S, 50) == MINUTE
    assert window.earliest(3 * S, 80) == 1 * S + MINUTE
    assert window.used(3 * S) == 100


def test_capacity_two_serves_six_one_second_requests_in_three_seconds() -> None:
    provider = Provider(capacity=2)
    ends = []
    for _ in range(6):
        start = provider.admit(0, 1)
        assert isinstance(start, int)
        provider.reserve(start, start + S, 1)
        ends.append(start + S)
    assert ends == [S, S, 2 * S, 2 * S, 3 * S, 3 * S]


def test_over_the_rpm_limit_a_raising_provider_names_the_exact_retry_after() -> None:
    provider = Provider(rpm=2)
    for t in (0, 15 * S):
        start = provider.admit(t, 1)
        assert start == t
        provider.reserve(t, t + S, 1)
    assert provider.admit(20 * S, 1) == RateLimited(40 * S, "rpm")


def test_over_the_tpm_limit_a_queueing_provider_starts_the_request_later() -> None:
    provider = Provider(tpm=100, on_limit="queue")
    provider.reserve(provider.admit(0, 50), S, 80)  # 50 prompt + 30 completion tokens
    assert provider.admit(2 * S, 30) == MINUTE


def test_a_prompt_larger_than_the_token_limit_is_refused_with_the_fix() -> None:
    with pytest.raises(
        ValueError,
        match=r"^a prompt of 101 tokens can never fit tpm=100; raise tpm or shorten the prompt$",
    ):
        Provider(tpm=100).admit(0, 101)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"capacity": 0}, r"^capacity=0: give a whole number >= 1, or None for no limit$"),
        ({"rpm": 2.5}, r"^rpm=2\.5: give a whole number >= 1, or None for no limit$"),
        (
            {"on_limit": "drop"},
            r"^on_limit='drop': give \"raise\" \(429 with retry_after, like a real API\) "
            r"or \"queue\" \(wait until the rate window has room\)$",
        ),
    ],
)
def test_bad_provider_options_are_refused_with_the_fix(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Provider(**options)  # type: ignore[arg-type]


arrivals = st.lists(
    st.tuples(st.integers(0, 5 * S), st.integers(1, 3 * S), st.integers(1, 40)),
    min_size=1,
    max_size=40,
)


@settings(deadline=None)
@given(arrivals, st.integers(1, 4), st.integers(1, 6), st.integers(40, 200))
def test_a_queueing_provider_never_exceeds_capacity_or_either_rate_limit(
    calls: list[tuple[int, int, int]], capacity: int, rpm: int, tpm: int
) -> None:
    provider = Provider(capacity=capacity, rpm=rpm, tpm=tpm, on_limit="queue")
    now, served = 0, []
    for gap, duration, tokens in calls:
        now += gap
        start = provider.admit(now, tokens)
        assert isinstance(start, int)
        assert start >= now
        provider.reserve(start, start + duration, tokens)
        served.append((start, start + duration, tokens))
    starts = [start for start, _, _ in served]
    assert starts == sorted(starts), "the queue is first-in, first-out"
    for start, _, _ in served:
        in_flight = [s for s, e, _ in served if s <= start < e]
        assert len(in_flight) <= capacity
        window = [(s, n) for s, _, n in served if start - MINUTE < s <= start]
        assert len(window) <= rpm
        # Admission checks the prompt only; here prompt and charge are the same tokens.
        assert sum(n for _, n in window) <= tpm


@settings(deadline=None)
@given(st.lists(st.integers(0, 3 * S), min_size=1, max_size=30), st.integers(1, 5))
def test_a_raising_provider_admits_exactly_when_the_window_has_room(
    gaps: list[int], rpm: int
) -> None:
    provider = Provider(rpm=rpm)
    now, admitted = 0, []
    for gap in gaps:
        now += gap
        in_window = [s for s in admitted if now - MINUTE < s <= now]
        result = provider.admit(now, 1)
        if len(in_window) < rpm:
            assert result == now
            provider.reserve(now, now, 1)
            admitted.append(now)
        else:
            assert result == RateLimited(in_window[-rpm] + MINUTE - now, "rpm")
