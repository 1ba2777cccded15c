"""What pgvector's functions return, computed in Python: the expected values of tests/integration/test_vector*.py.

pgvector accumulates distances in single precision, one rounding per operation; Python's doubles
rounded to float32 after each operation give exactly those results (a double holds every exact
sum and product of two float32 values before it is rounded). Norms are double-precision sums.
"""

from __future__ import annotations

import math
import struct


def f32(x: float) -> float:
    """x rounded to single precision."""
    return struct.unpack("f", struct.pack("f", x))[0]


def f16(x: float) -> float:
    """x rounded to half precision (ties to even)."""
    return struct.unpack("e", struct.pack("e", x))[0]


def literal(xs: list[float]) -> str:
    """The text form of a dense vector."""
    return "[" + ",".join(repr(x) for x in xs) + "]"


def sparse_literal(xs: list[float]) -> str:
    """The text form of the sparsevec with the dense elements xs."""
    return "{" + ",".join(f"{i + 1}:{x!r}" for i, x in enumerate(xs) if x != 0) + f"}}/{len(xs)}"


def l2_squared(a: list[float], b: list[float]) -> float:
    total = 0.0
    for x, y in zip(a, b, strict=True):
        d = f32(x - y)
        total = f32(total + f32(d * d))
    return total


def l2(a: list[float], b: list[float]) -> float:
    return math.sqrt(l2_squared(a, b))


def dot(a: list[float], b: list[float]) -> float:
    total = 0.0
    for x, y in zip(a, b, strict=True):
        total = f32(total + f32(x * y))
    return total


def l1(a: list[float], b: list[float]) -> float:
    total = 0.0
    for x, y in zip(a, b, strict=True):
        total = f32(total + abs(f32(x - y)))
    return total


def cosine(a: list[float], b: list[float]) -> float:
    """1 - cos(a, b) as pgvector computes it (NaN for a zero vector)."""
    aa, bb = dot(a, a), dot(b, b)
    if aa * bb == 0:
        return math.nan
    similarity = dot(a, b) / math.sqrt(aa * bb)
    return 1.0 - max(-1.0, min(1.0, similarity))


def norm(a: list[float]) -> float:
    return math.sqrt(sum(x * x for x in a))


def normalize(a: list[float]) -> list[float]:
    n = norm(a)
    return [f32(x / n) for x in a] if n > 0 else [0.0] * len(a)


def quantize(a: list[float]) -> str:
    """binary_quantize as a bit string literal."""
    return "".join("1" if x > 0 else "0" for x in a)


def hamming(a: str, b: str) -> float:
    return float(sum(x != y for x, y in zip(a, b, strict=True)))


def jaccard(a: str, b: str) -> float:
    both = sum(x == y == "1" for x, y in zip(a, b, strict=True))
    either = sum("1" in (x, y) for x, y in zip(a, b, strict=True))
    return 1.0 if both == 0 else 1.0 - both / either
