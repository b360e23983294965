"""The participant's diary: daily entries, weekly instruments and blinding guesses, and the
canonical daily table built from them for the core's analysis."""
