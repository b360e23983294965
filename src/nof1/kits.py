"""Kit codes: what everyone but the pharmacist sees of the allocation.

"K-7F3QX": random, unique within a trial, read aloud without confusion (no 0/O, 1/I/L, U),
and protected against typing mistakes by a Luhn mod 30 check character (python-stdnum).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from stdnum import luhn

from nof1.exceptions import KitCodeError, ProtocolError

__all__ = ["KIT_ALPHABET", "is_valid_kit_code", "new_kit_codes", "normalize_kit_code"]

# No 0/O, 1/I/L (confused when read aloud or handwritten) and no U (confused with V; Crockford's
# base 32 drops it too). 30 symbols: Luhn mod N needs an even N, or its doubling step maps two
# symbols to the same value and some single mistyped characters pass (with 31, 15 pairs do).
KIT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_KIT_PREFIX = "K-"
_KIT_BODY = 4
_MAX_NEW_KITS = 100_000  # far below 30**4, so drawing unique codes stays fast


def new_kit_codes(n: int, rng: Any = None, *, existing: Iterable[str] = ()) -> list[str]:
    """`n` new kit codes "K-" + 4 random characters + 1 Luhn mod 30 check character.

    `rng` is a `random.Random` (tests pass a seeded one); by default `secrets.SystemRandom`.
    Codes differ from each other and from `existing`, no code is an undetected adjacent
    transposition of another (see `normalize_kit_code`), and none contains "MG", which a
    blinding check would read as a dose unit.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= _MAX_NEW_KITS:
        raise ProtocolError(f"ask for 0 to {_MAX_NEW_KITS} kit codes, not {n!r}")
    draw = rng if rng is not None else secrets.SystemRandom()
    taken = {normalize_kit_code(code) for code in existing}
    codes: list[str] = []
    while len(codes) < n:
        body = "".join(draw.choice(KIT_ALPHABET) for _ in range(_KIT_BODY))
        code = _KIT_PREFIX + body + luhn.calc_check_digit(body, alphabet=KIT_ALPHABET)
        if code in taken or "MG" in code or taken.intersection(_valid_swaps(code)):
            continue
        taken.add(code)
        codes.append(code)
    return codes


def normalize_kit_code(code: str) -> str:
    """The canonical form "K-XXXXX" of a kit code as a person typed it, or `KitCodeError`.

    Tolerant of what people type: lower case, spaces, a missing hyphen ("k 7f3q x"). The K is
    required: without it a code missing one character could pass as a whole one. Not
    tolerant of wrong characters: 0, O, 1, I, L and U are never used, and are refused rather
    than guessed. The check character (Luhn mod 30, python-stdnum) catches every single
    mistyped character and every swap of two neighbouring characters except one pair of
    symbols (2 and Z): 2 of the 870 possible swaps; a trial's own codes are drawn so that even
    that swap never turns one of them into another.
    """
    if not isinstance(code, str):
        raise KitCodeError(f"a kit code is text, not {code!r}")
    compact = "".join(code.split()).replace("-", "").upper()
    if len(compact) != _KIT_BODY + 2 or not compact.startswith("K"):
        raise KitCodeError(f"{code!r} is not a kit code: expected K- and 5 characters")
    compact = compact[1:]
    wrong = sorted(set(compact) - set(KIT_ALPHABET))
    if wrong:
        raise KitCodeError(
            f"{code!r} is not a kit code: kit codes never use {', '.join(wrong)} "
            "(no 0, O, 1, I, L or U); check the label"
        )
    if not luhn.is_valid(compact, alphabet=KIT_ALPHABET):
        raise KitCodeError(
            f"{code!r} is not a kit code: a character was mistyped or two were swapped"
        )
    return _KIT_PREFIX + compact


def is_valid_kit_code(code: str) -> bool:
    """Whether `code` is a kit code once normalised (see `normalize_kit_code`)."""
    try:
        normalize_kit_code(code)
    except KitCodeError:
        return False
    return True


def _valid_swaps(code: str) -> set[str]:
    chars = code[len(_KIT_PREFIX) :]
    swapped = set()
    for i in range(len(chars) - 1):
        other = chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :]
        if other != chars and luhn.is_valid(other, alphabet=KIT_ALPHABET):
            swapped.add(_KIT_PREFIX + other)
    return swapped
