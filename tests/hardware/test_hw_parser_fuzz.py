"""Fuzz every registered decoder parser with hypothesis (see hw_fuzz_support for the oracle).

The quick test (rich strategy, good shrinking) runs 300 inputs; the slow one 100,000.
"""

from __future__ import annotations

import random

import pytest
from hw_fuzz_support import FuzzCase, check, random_case, streams
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lapgate.hardware.decoders import make_parser, parser_names

# Each parser needs an oracle; a new protocol must add its own to hw_fuzz_support.
ORACLES = {"zround": streams}
EXAMPLES, INPUTS_PER_SEED = 2_000, 50  # 100,000 inputs


def test_every_registered_parser_has_a_fuzz_oracle() -> None:
    assert set(parser_names()) <= set(ORACLES)


@settings(max_examples=300, deadline=None)
@given(streams())
def test_zround_fuzz_quick(case: FuzzCase) -> None:
    check(lambda: make_parser("zround"), case)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(st.integers(0, 2**64))
def test_zround_fuzz_100k(seed: int) -> None:
    # Hypothesis supplies seeds; each seed draws INPUTS_PER_SEED streams in plain Python
    # (hypothesis costs ~1.6 ms per example, a composite strategy ~9: too slow for
    # 100,000 inputs in CI). A failure names the seed and the case.
    rng = random.Random(seed)
    for _ in range(INPUTS_PER_SEED):
        case = random_case(rng)
        try:
            check(lambda: make_parser("zround"), case)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {case}") from exc
