"""nof1: blinded, randomised, placebo-controlled n-of-1 trials and their analysis."""

__version__ = "0.1.0"
