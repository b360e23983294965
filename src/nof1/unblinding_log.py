"""The unblinding log: append-only, hash-chained JSON lines of every unblinding attempt."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nof1.exceptions import TamperedError

__all__ = ["LogEntry", "UnblindingLog", "canonical_json"]

_GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    """The one encoding that is hashed and MACed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


@dataclass(frozen=True)
class LogEntry:
    seq: int  # 1-based, the line number
    event: dict[str, Any]
    prev: str  # the previous entry's hash; 64 zeros for the first
    hash: str  # SHA-256 of canonical_json({"seq", "event", "prev"})


class UnblindingLog:
    """Append-only JSON-lines record of every unblinding attempt, hash-chained.

    Line n is canonical JSON {"seq": n, "event": {...}, "prev": <hash of line n-1>, "hash":
    <SHA-256 of seq, event and prev>}. A sidecar file `<log>.head` holds {"entries", "head"}
    after each append, so removing the last lines is detected too. `verify()` names the first
    bad line. Opening a log reads nothing and rewrites nothing; `append` only ever adds a line,
    and refuses to extend a log that fails `verify()` (keep that file as evidence, start a new
    one). Appends from several processes are serialised with a file lock where the system
    offers one (POSIX `flock`).

    Limits: the chain has no secret, so someone who can write both files can rewrite the whole
    log and its sidecar consistently. To catch that, record `verify()`'s head elsewhere (the
    trial report, the web database, an e-mail) and later call `verify(expected_head=...)`.
    Entries after the sidecar's head are accepted: they can only come from an append that was
    interrupted before its sidecar was written.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")

    def append(self, event: dict[str, Any]) -> LogEntry:
        """Add one event (JSON-safe) after checking the log; returns the entry written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as file:
            _lock(file)
            file.seek(0)
            entries = self._checked(file.read())
            seq = len(entries) + 1
            prev = entries[-1].hash if entries else _GENESIS
            entry = LogEntry(seq, dict(event), prev, _entry_hash(seq, dict(event), prev))
            record = {"seq": seq, "event": entry.event, "prev": prev, "hash": entry.hash}
            file.write(canonical_json(record) + b"\n")
            file.flush()
            os.fsync(file.fileno())
            self._write_head(seq, entry.hash)
        return entry

    def entries(self) -> list[LogEntry]:
        """Every entry, in order, as written; does not check the chain (see `verify`)."""
        return [entry for entry, _ in self._parsed(self._read())]

    def verify(self, expected_head: str | None = None) -> tuple[int, str]:
        """(number of entries, head hash), or `TamperedError` naming the first bad line.

        `expected_head` is a head recorded earlier, elsewhere: it must still be in the log.
        """
        entries = self._checked(self._read())
        if expected_head is not None and expected_head not in {e.hash for e in entries}:
            raise TamperedError(
                f"{self.path}: the head recorded earlier ({expected_head[:12]}...) is not in the "
                "log: entries up to it were removed or rewritten"
            )
        return (len(entries), entries[-1].hash if entries else _GENESIS)

    # -- internals ---------------------------------------------------------------------------

    def _read(self) -> bytes:
        return self.path.read_bytes() if self.path.exists() else b""

    def _parsed(self, data: bytes) -> list[tuple[LogEntry, int]]:
        if data and not data.endswith(b"\n"):
            last = data.count(b"\n") + 1
            raise TamperedError(f"{self.path} line {last} is incomplete (an interrupted write?)")
        parsed = []
        for number, line in enumerate(data.splitlines(), start=1):
            try:
                raw = json.loads(line)
                if set(raw) != {"seq", "event", "prev", "hash"} or not isinstance(
                    raw["event"], dict
                ):
                    raise ValueError("unexpected fields")
                entry = LogEntry(int(raw["seq"]), raw["event"], str(raw["prev"]), str(raw["hash"]))
            except (ValueError, TypeError) as error:
                raise TamperedError(f"{self.path} line {number} is not a log entry") from error
            parsed.append((entry, number))
        return parsed

    def _checked(self, data: bytes) -> list[LogEntry]:
        entries: list[LogEntry] = []
        prev = _GENESIS
        for entry, number in self._parsed(data):
            if entry.hash != _entry_hash(entry.seq, entry.event, entry.prev):
                raise TamperedError(f"{self.path} line {number} was edited")
            if entry.seq != number or entry.prev != prev:
                raise TamperedError(
                    f"{self.path} line {number} does not follow line {number - 1}: an entry "
                    "was removed or reordered, or the line before it was rewritten"
                )
            entries.append(entry)
            prev = entry.hash
        count, head = self._read_head()
        if count > len(entries):
            raise TamperedError(
                f"{self.path} ends at line {len(entries)}, but {self.head_path.name} records "
                f"{count} entries: the last {count - len(entries)} were removed"
            )
        if count and entries[count - 1].hash != head:
            raise TamperedError(
                f"{self.path} line {count} is not the head recorded in {self.head_path.name}: "
                "the log was rewritten"
            )
        if entries and not self.head_path.exists():
            raise TamperedError(f"{self.head_path} is missing: the log cannot be checked")
        return entries

    def _read_head(self) -> tuple[int, str]:
        if not self.head_path.exists():
            return 0, _GENESIS
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(data["entries"]), str(data["head"])
        except (ValueError, TypeError, KeyError) as error:
            raise TamperedError(f"{self.head_path} is not a log head") from error

    def _write_head(self, count: int, head: str) -> None:
        temporary = self.head_path.with_name(self.head_path.name + ".tmp")
        with open(temporary, "wb") as file:
            file.write(canonical_json({"entries": count, "head": head}) + b"\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.head_path)


def _entry_hash(seq: int, event: dict[str, Any], prev: str) -> str:
    return hashlib.sha256(canonical_json({"seq": seq, "event": event, "prev": prev})).hexdigest()


def _lock(file: Any) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock; one writer at a time is assumed
        return
    fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # released when the file is closed
