"""Settings shared by every test.

Property tests run without a per-example deadline: CI machines are small and shared, and a
slow example there says nothing about whether the code is right.

They are also derandomised by default: each test draws the same examples on every run, so the
suite's verdict on a commit never depends on luck (the project's rule: randomness is seeded
and recorded). To hunt for new counterexamples, run with fresh random examples:
`HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/core`.
"""

import os

from hypothesis import settings

settings.register_profile("nof1", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nof1"))
