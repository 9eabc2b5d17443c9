"""Hypothesis against the frame decoder: random bytes, random splits, corrupted frames.

Whatever arrives, the decoder only raises its own protocol error, always finishes, and finds the
next valid frame afterwards.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from drivers.idcard.codec import PREAMBLE, Answer, FrameDecoder, IdCardProtocolError, encode_answer

frames = st.builds(encode_answer, st.integers(0, 255), st.binary(max_size=300))


def drain(decoder: FrameDecoder) -> tuple[list[bytes], int]:
    """All bodies available now, and how many protocol errors were raised on the way."""
    bodies: list[bytes] = []
    errors = 0
    for _ in range(10_000):  # each error consumes at least one byte: this bound is never reached
        try:
            bodies.extend(decoder.frames())
            return bodies, errors
        except IdCardProtocolError:
            errors += 1
    raise AssertionError("decoder did not settle")


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 5000), max_size=20))
def test_random_bytes_only_raise_protocol_errors(noise: bytes, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    for piece in split(noise, cuts):
        decoder.feed(piece)
        drain(decoder)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(frames, min_size=1, max_size=5), st.lists(st.integers(0, 5000), max_size=30),
       st.binary(max_size=50).filter(lambda b: b"\xaa" not in b))
def test_random_splits_and_noise_between_frames_keep_every_frame(sent: list[bytes], cuts: list[int],
                                                                 noise: bytes) -> None:
    decoder = FrameDecoder()
    stream = b"".join(noise + frame for frame in sent)
    received: list[bytes] = []
    for piece in split(stream, cuts):
        decoder.feed(piece)
        bodies, errors = drain(decoder)
        assert errors == 0
        received.extend(bodies)
    assert [Answer.from_body(b) for b in received] == [Answer.from_body(f[7:-1]) for f in sent]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(frames, st.data(), frames, st.lists(st.integers(0, 5000), max_size=10))
def test_corrupted_frame_then_valid_frame_recovers(broken: bytes, data: st.DataObject, good: bytes,
                                                   cuts: list[int]) -> None:
    corrupted = bytearray(broken)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(len(PREAMBLE), len(corrupted) - 1))
        corrupted[index] ^= data.draw(st.integers(1, 255))
    corrupted = corrupted[:data.draw(st.integers(len(PREAMBLE), len(corrupted)))]  # maybe cut short too
    decoder = FrameDecoder()
    received: list[bytes] = []
    for piece in split(bytes(corrupted) + good, cuts):
        decoder.feed(piece)
        received.extend(drain(decoder)[0])
    assert received, "the valid frame after the corrupted one was not found"
    assert Answer.from_body(received[-1]) == Answer.from_body(good[7:-1])
