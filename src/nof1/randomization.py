"""Allocation of arms to periods: drawn before enrolment, stored, and verifiable from its seed.

Every block (a pair when there are two arms) gives each arm exactly once, in an order drawn
uniformly at random and independently of the other blocks. The randomness is one 128-bit
seed from the operating system's CSPRNG (`draw_seed`), passed in to `allocate` and recorded in
the `Allocation` it produced; nothing here seeds or reads a global generator. Anyone holding
the seed can recompute the list (`verify`), so the seed is as secret as the list itself: it is
stored inside the sealed allocation (`nof1.blinding.seal`), never beside the kit codes.

Scheme "nof1-blocks-sha256-v1" (the exact algorithm; a new algorithm gets a new scheme name so
that allocations stored under this one stay verifiable):

1. The seed is an integer 0 <= seed < 2**128, written as 16 bytes, big-endian.
2. Word c (c = 0, 1, 2, ...) of block b (1-based) is the first 8 bytes, read big-endian, of
   SHA-256(b"nof1-blocks-sha256-v1" || seed (16 bytes) || b (4 bytes) || c (4 bytes)),
   with b and c big-endian.
3. A uniform integer in [0, m) takes the block's next word w and returns w mod m, after
   discarding every w >= 2**64 - (2**64 mod m) (rejection, so there is no modulo bias).
4. The block's order is a Fisher-Yates (Durstenfeld) shuffle of the arm indexes 0..k-1 in
   protocol order: for i = k-1 down to 1, j = uniform integer in [0, i + 1), swap i and j.

The scheme uses only SHA-256 and integer arithmetic, so it can be re-implemented in any
language (or checked by hand with `sha256sum`) and does not depend on a numpy version.
"""

from __future__ import annotations

import csv
import hashlib
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

from nof1.exceptions import AllocationMismatchError, ProtocolError

__all__ = [
    "SCHEME",
    "SEED_BITS",
    "Allocation",
    "PeriodAllocation",
    "allocate",
    "draw_seed",
    "verify",
]

SCHEME = "nof1-blocks-sha256-v1"
SEED_BITS = 128
_CSV_COLUMNS = ("period", "block", "arm", "scheme", "seed")


def draw_seed() -> int:
    """A fresh 128-bit seed from the operating system's CSPRNG (`secrets`)."""
    return secrets.randbits(SEED_BITS)


@dataclass(frozen=True)
class PeriodAllocation:
    """One period's arm. `period` and `block` are 1-based."""

    period: int
    block: int
    arm: str

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "block": self.block, "arm": self.arm}


@dataclass(frozen=True)
class Allocation:
    """The arm of every period, with the scheme and seed that produced it."""

    scheme: str
    seed: int
    arms: tuple[str, ...]  # protocol order
    blocks: int
    periods: tuple[PeriodAllocation, ...]

    @property
    def arm_by_period(self) -> tuple[str, ...]:
        """The arm of period 1, 2, ... in order."""
        return tuple(p.arm for p in self.periods)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; the seed is a decimal string because JSON numbers lose 128-bit integers."""
        return {
            "scheme": self.scheme,
            "seed": str(self.seed),
            "arms": list(self.arms),
            "blocks": self.blocks,
            "periods": [p.to_dict() for p in self.periods],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Allocation:
        """Read `to_dict` output back. Checks the shape only; call `verify` to check the list."""
        try:
            arms = data["arms"]
            rows = data["periods"]
            if not isinstance(arms, list) or not isinstance(rows, list):
                raise TypeError("arms and periods must be lists")
            return cls(
                scheme=_text(data["scheme"]),
                seed=_seed_from_text(data["seed"]),
                arms=tuple(_text(arm) for arm in arms),
                blocks=_integer(data["blocks"]),
                periods=tuple(
                    PeriodAllocation(_integer(r["period"]), _integer(r["block"]), _text(r["arm"]))
                    for r in rows
                ),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ProtocolError(f"not an allocation record: {error}") from None

    def to_csv(self, path: str | PathLike[str]) -> None:
        """One row per period: period, block, arm, scheme, seed (the same on every row, so the
        file alone can be verified). Unblinded: for the pharmacist only."""
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(_CSV_COLUMNS)
            for p in self.periods:
                writer.writerow([p.period, p.block, p.arm, self.scheme, str(self.seed)])

    @classmethod
    def from_csv(cls, path: str | PathLike[str], arms: Sequence[str]) -> Allocation:
        """Read `to_csv` output back; `arms` in protocol order (the file cannot say it)."""
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        if not rows or tuple(rows[0]) != _CSV_COLUMNS:
            raise ProtocolError(f"{path}: expected the columns {', '.join(_CSV_COLUMNS)}")
        header = {(row["scheme"], row["seed"]) for row in rows}
        if len(header) != 1:
            raise ProtocolError(f"{path}: every row must give the same scheme and seed")
        ((scheme, seed),) = header
        blocks = -(-len(rows) // max(len(arms), 1))
        return cls.from_dict(
            {"scheme": scheme, "seed": seed, "arms": list(arms), "blocks": blocks, "periods": rows}
        )


def allocate(arms: Sequence[str], blocks: int, seed: int) -> Allocation:
    """Each block gives every arm once, in a uniformly random order; same seed, same list.

    `arms` are arm ids in protocol order (at least two, distinct), `blocks` the number of
    blocks (pairs, with two arms), `seed` from `draw_seed` (kept: it is the allocation's
    source). The algorithm is scheme "nof1-blocks-sha256-v1" in the module docstring.
    """
    arm_ids = _checked_arms(arms)
    if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1:
        raise ProtocolError(f"blocks must be a whole number of at least 1, not {blocks!r}")
    _check_seed(seed)
    periods: list[PeriodAllocation] = []
    for block in range(1, blocks + 1):
        for index in _block_order(seed, block, len(arm_ids)):
            periods.append(PeriodAllocation(len(periods) + 1, block, arm_ids[index]))
    return Allocation(SCHEME, seed, arm_ids, blocks, tuple(periods))


def verify(allocation: Allocation, seed: int | None = None) -> None:
    """Raise `AllocationMismatchError` unless the list is exactly what its seed gives.

    `seed` is the allocation's source when it is kept apart from the list (e.g. the seed in
    the sealed record); by default the seed recorded in the allocation. Checks, in order: the
    scheme is known, the seeds agree, periods are numbered 1..n in their blocks with known
    arms, then names the first period that differs from the recomputed list together with
    every block that does not give each arm exactly once.
    """
    if allocation.scheme != SCHEME:
        raise AllocationMismatchError(
            f"unknown randomisation scheme {allocation.scheme!r}; this version of nof1 "
            f"verifies {SCHEME!r}"
        )
    if seed is not None and seed != allocation.seed:
        raise AllocationMismatchError("the allocation records a different seed from its source")
    arms = allocation.arms
    expected = allocate(arms, allocation.blocks, allocation.seed)
    if len(allocation.periods) != len(expected.periods):
        raise AllocationMismatchError(
            f"the allocation lists {len(allocation.periods)} periods, but {allocation.blocks} "
            f"blocks of {len(arms)} arms make {len(expected.periods)}"
        )
    for row, want in zip(allocation.periods, expected.periods, strict=True):
        if (row.period, row.block) != (want.period, want.block) or row.arm not in arms:
            raise AllocationMismatchError(
                f"row {want.period} of the allocation reads period {row.period}, block "
                f"{row.block}, arm {row.arm!r}; expected period {want.period} in block "
                f"{want.block} with one of the arms {', '.join(arms)}",
                period=want.period,
                block=want.block,
            )
    unbalanced = _unbalanced_blocks(allocation)
    differing = [
        (row, want)
        for row, want in zip(allocation.periods, expected.periods, strict=True)
        if row.arm != want.arm
    ]
    if differing or unbalanced:
        problems = [
            f"block {block} gives {counts}, not each arm exactly once"
            for block, counts in unbalanced
        ]
        period = block = None
        if differing:
            row, want = differing[0]
            period, block = row.period, row.block
            problems.insert(
                0, f"period {period} is {row.arm!r} in the list but {want.arm!r} from the seed"
            )
        raise AllocationMismatchError(
            "the allocation does not match its seed: " + "; ".join(problems),
            period=period,
            block=block if block is not None else unbalanced[0][0],
        )


# -- the scheme --------------------------------------------------------------------------------


def _word(seed: int, block: int, counter: int) -> int:
    message = (
        SCHEME.encode("ascii")
        + seed.to_bytes(16, "big")
        + block.to_bytes(4, "big")
        + counter.to_bytes(4, "big")
    )
    return int.from_bytes(hashlib.sha256(message).digest()[:8], "big")


def _block_order(seed: int, block: int, k: int) -> list[int]:
    order = list(range(k))
    counter = 0
    for i in range(k - 1, 0, -1):
        m = i + 1
        limit = 2**64 - (2**64 % m)
        while True:
            w = _word(seed, block, counter)
            counter += 1
            if w < limit:
                break
        j = w % m
        order[i], order[j] = order[j], order[i]
    return order


# -- checks ------------------------------------------------------------------------------------


def _unbalanced_blocks(allocation: Allocation) -> list[tuple[int, str]]:
    found = []
    for block in range(1, allocation.blocks + 1):
        counts = Counter(p.arm for p in allocation.periods if p.block == block)
        if any(counts[arm] != 1 for arm in allocation.arms):
            described = ", ".join(f"{arm!r} x{counts[arm]}" for arm in allocation.arms)
            found.append((block, described))
    return found


def _checked_arms(arms: Sequence[str]) -> tuple[str, ...]:
    if isinstance(arms, str):
        raise ProtocolError("arms must be a list of arm ids, not one string")
    arm_ids = tuple(arms)
    if len(arm_ids) < 2:
        raise ProtocolError(f"an allocation needs at least two arms, not {len(arm_ids)}")
    if any(not isinstance(arm, str) or not arm for arm in arm_ids):
        raise ProtocolError("every arm id must be a non-empty string")
    if len(set(arm_ids)) != len(arm_ids):
        raise ProtocolError(f"arm ids must differ: {', '.join(arm_ids)}")
    return arm_ids


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**SEED_BITS:
        raise ProtocolError(
            f"the seed must be a whole number from 0 to 2**{SEED_BITS} - 1; use draw_seed()"
        )


def _seed_from_text(value: Any) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise ValueError("the seed must be a string of decimal digits")
    return int(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {value!r}")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value
