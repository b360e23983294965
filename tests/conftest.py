"""Settings shared by every test.

Property tests run without a per-example deadline: CI machines are small and shared, and a
slow example there says nothing about whether the code is right.
"""

from hypothesis import settings

settings.register_profile("nof1", deadline=None)
settings.load_profile("nof1")
