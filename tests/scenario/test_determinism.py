from __future__ import annotations

import os
import subprocess
import sys

import pytest

from connector.sandbox.scenario import generate
from connector.sandbox.scenario.__main__ import main

_DIGEST = """
import hashlib
from connector.sandbox.scenario import generate
s = generate("small", 3)
gt = sorted((r, d.isoformat(), sorted(v)) for r, by in s.ground_truth.by_rule.items()
            for d, v in by.items())
text = repr((s.schools, s.people, s.classes, s.work, s.submissions, s.lessons, s.now, gt))
print(hashlib.sha256(text.encode()).hexdigest())
"""


def _digest_in_a_new_process(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", _DIGEST], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_the_scenario_is_identical_across_processes_whatever_the_hash_seed() -> None:
    assert _digest_in_a_new_process("1") == _digest_in_a_new_process("4242")


def test_an_unknown_size_or_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate("huge")
    with pytest.raises(ValueError, match="unknown platforms"):
        generate("tiny", platforms="zoom")


def test_the_summary_prints_counts_per_school_and_ground_truth_per_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["tiny"])
    out = capsys.readouterr().out
    assert "oakfield" in out and "R1" in out and "ground truth" in out
