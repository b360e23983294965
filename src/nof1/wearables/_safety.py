"""Opening untrusted exports safely: zip bombs, unsafe member names, truncation, XML attacks.

Every refusal is a `DataError` naming the file, raised before anything is returned, so an
import either gives a whole result or nothing. Limits are checked twice for zips: from the
zip's directory (what it claims) and while reading (what it really holds), because the
directory can lie.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import TreeBuilder
from xml.parsers.expat import ErrorString, ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from nof1.exceptions import DataError

CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """How much an import may read. The defaults fit a decade of Apple Watch data (a few GB
    of XML) with room to spare; exports compress about 10-25 times."""

    max_total_bytes: int = 16 * 1024**3
    max_ratio: float = 100.0
    # Below this many bytes a member's ratio is not judged: tiny files compress oddly.
    ratio_grace_bytes: int = 1 << 20


DEFAULT_LIMITS = Limits()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def require_file(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.exists():
        raise DataError("no such file", source=str(path))
    if not path.is_file():
        raise DataError("not a file", source=str(path))
    return path


def unsafe_name(name: str) -> bool:
    """A member name that could point outside the folder it would be unpacked into."""
    if "\\" in name or "\x00" in name or re.match(r"^[A-Za-z]:", name):
        return True
    pure = PurePosixPath(name)
    return pure.is_absolute() or ".." in pure.parts


def open_zip(path: Path, limits: Limits) -> zipfile.ZipFile:
    """Open a zip after checking its directory: no unsafe names, no claimed bomb."""
    source = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DataError(
            f"not a readable zip file ({exc}); it may be truncated: download or copy the "
            "export again",
            source=source,
        ) from None
    total = 0
    for info in archive.infolist():
        if unsafe_name(info.filename):
            archive.close()
            raise DataError(
                f"refused: the zip holds a member named {info.filename!r}, which points "
                "outside the archive (path traversal); this is not a genuine export",
                source=source,
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        archive.close()
        raise DataError(
            f"refused: the zip says it unpacks to {total:,} bytes, more than the limit of "
            f"{limits.max_total_bytes:,} (a zip bomb, or an export larger than expected)",
            source=source,
        )
    return archive


def check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse a member whose directory entry claims a bomb-like compression ratio."""
    source = str(archive.filename)
    if info.file_size > limits.ratio_grace_bytes and (
        info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio
    ):
        raise DataError(
            f"refused: {info.filename!r} claims to expand {info.file_size:,} bytes from "
            f"{info.compress_size:,} (more than {limits.max_ratio:g} times): a zip bomb",
            source=source,
        )


class GuardedReader:
    """A read-only stream that counts what it gives out, refusing when a limit is passed
    and turning a damaged zip into a DataError. `on_block` sees every block (for hashing)."""

    def __init__(
        self,
        raw: IO[bytes],
        source: str,
        limits: Limits,
        *,
        compressed: Callable[[], int] | None = None,
        on_block: Callable[[bytes], Any] | None = None,
        already: int = 0,
    ) -> None:
        self.raw, self.source, self.limits = raw, source, limits
        self.compressed, self.on_block = compressed, on_block
        self.count = 0  # bytes of this stream
        self.total = already  # bytes of this import so far, this stream included

    def read(self, size: int = CHUNK) -> bytes:
        try:
            block = self.raw.read(size if size and size > 0 else CHUNK)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise DataError(
                f"the zip is damaged or truncated ({exc}): download or copy the export again",
                source=self.source,
            ) from None
        self.count += len(block)
        self.total += len(block)
        limits = self.limits
        if self.total > limits.max_total_bytes:
            raise DataError(
                f"refused: more than {limits.max_total_bytes:,} bytes unpacked (a zip bomb, "
                "or an export larger than the limit)",
                source=self.source,
            )
        if self.compressed is not None and self.count > limits.ratio_grace_bytes:
            used = max(self.compressed(), 1)
            if self.count / used > limits.max_ratio:
                raise DataError(
                    f"refused: {self.count:,} bytes unpacked from {used:,} (more than "
                    f"{limits.max_ratio:g} times): a zip bomb",
                    source=self.source,
                )
        if self.on_block is not None:
            self.on_block(block)
        return block

    def read_all(self) -> bytes:
        """The rest of the stream, read block by block under the same limits."""
        blocks = []
        while block := self.read(CHUNK):
            blocks.append(block)
        return b"".join(blocks)


def open_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, already: int = 0
) -> GuardedReader:
    """A member's bytes, guarded; `already` is what earlier members of this import unpacked."""
    check_member(archive, info, limits)
    raw = archive.open(info)

    def compressed() -> int:  # bytes of compressed data consumed so far
        left = getattr(raw, "_compress_left", None)
        return info.compress_size - left if isinstance(left, int) else info.compress_size

    return GuardedReader(raw, f"{archive.filename}:{info.filename}", limits,
                         compressed=compressed, already=already)


class _Parser(DefusedXMLParser):
    """defusedxml's parser (entities and external references refused) that also refuses a
    document type pointing at an external DTD, which no genuine export has."""

    def __init__(self) -> None:
        super().__init__(target=TreeBuilder(), forbid_dtd=False, forbid_entities=True,
                         forbid_external=True)
        self.parser.StartDoctypeDeclHandler = self._refuse_external_dtd

    def _refuse_external_dtd(
        self, name: str, sysid: str | None, pubid: str | None, _internal: int
    ) -> None:
        if sysid is not None or pubid is not None:
            raise DataError(
                f"refused: the XML names an external DTD ({sysid or pubid!r}); "
                "a genuine export never does"
            )


def iter_elements(stream: GuardedReader | IO[bytes], tag: str, source: str
                  ) -> Iterator[dict[str, str]]:
    """Attributes of every `tag` element, read as a stream, 1 MB at a time.

    defusedxml's parser guards the document (entities and external references refused, and
    external DTDs by `_Parser`), but no element tree is built: expat hands each element's
    attributes straight to a callback. That is iterparse-with-clear without the tree, about
    three times faster, and memory stays flat whatever the file's size.
    """
    parser = _Parser()
    expat: Any = parser.parser
    found: list[dict[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == tag:
            found.append(attrs)

    expat.ordered_attributes = 0
    expat.StartElementHandler = start
    expat.EndElementHandler = None
    expat.CharacterDataHandler = None
    expat.DefaultHandlerExpand = None
    expat.CommentHandler = expat.ProcessingInstructionHandler = None
    try:
        while block := stream.read(CHUNK):
            expat.Parse(block, False)
            yield from found
            found.clear()
        expat.Parse(b"", True)
        yield from found
    except DefusedXmlException as exc:
        raise DataError(
            f"refused: the XML declares entities or external references ({type(exc).__name__})"
            "; entity expansion is a known attack (billion laughs) and no genuine export "
            "uses it",
            source=source,
        ) from None
    except DataError as exc:
        if exc.source is None:
            raise DataError(exc.message, source=source) from None
        raise
    except ExpatError as exc:
        raise DataError(
            f"the XML is truncated or not well-formed at line {exc.lineno}, column "
            f"{exc.offset} ({ErrorString(exc.code)}); export the data again",
            source=source,
        ) from None


def read_matching(
    path: Path, wanted: Callable[[str], bool], limits: Limits
) -> tuple[list[tuple[str, bytes]], str, int]:
    """The files an import needs, from a folder, a zip (checked as above) or one file: their
    names and bytes, a sha256 for provenance, and the bytes on disk. Files are chosen by
    their base name with `wanted`, so the export's folder layout does not matter."""
    source = str(path)
    found: list[tuple[str, bytes]] = []
    if path.is_dir():
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and not p.is_symlink() and wanted(p.name))
        total = sum(p.stat().st_size for p in files)
        if total > limits.max_total_bytes:
            raise DataError(f"refused: {total:,} bytes to read, more than the limit of "
                            f"{limits.max_total_bytes:,}", source=source)
        found = [(p.relative_to(path).as_posix(), p.read_bytes()) for p in files]
        # one sha256 for a folder: over each used file's relative name and sha256
        digest = hashlib.sha256()
        for name, data in found:
            digest.update(f"{name}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        return found, digest.hexdigest(), sum(len(data) for _, data in found)
    path = require_file(path)
    if not is_zip(path):
        hasher = hashlib.sha256()
        with path.open("rb") as handle:
            data = GuardedReader(handle, source, limits, on_block=hasher.update).read_all()
        return [(path.name, data)], hasher.hexdigest(), len(data)
    unpacked = 0
    with open_zip(path, limits) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not wanted(PurePosixPath(info.filename).name):
                continue
            reader = open_member(archive, info, limits, already=unpacked)
            found.append((info.filename, reader.read_all()))
            unpacked = reader.total
    return found, sha256_of(path), path.stat().st_size


def is_zip(path: Path) -> bool:
    """A zip by its first bytes, or by its name (so a damaged zip is refused as a zip)."""
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04" or path.suffix.lower() == ".zip"
