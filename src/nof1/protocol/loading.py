"""Protocols from TOML files and bundled templates, with problems a clinician can act on.

Every way in (a file, a template, a dict from the web app) ends in `parse_protocol`, which
turns pydantic's errors into one `ProtocolValidationError` listing each problem as
"field path: plain-English problem", e.g. "design.pairs: must be at least 1".
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nof1.exceptions import ProtocolError
from nof1.protocol.model import PROBLEMS, Problem, Protocol

__all__ = [
    "ProtocolValidationError",
    "load_protocol",
    "load_template",
    "parse_protocol",
    "template_names",
    "template_text",
]

_TEMPLATES = "templates"


class ProtocolValidationError(ProtocolError):
    """A protocol broke one or more rules; `problems` lists (field path, problem) pairs."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        lines = "\n".join(f"  - {path}: {message}" for path, message in problems)
        super().__init__(f"{source}: the protocol has {count}:\n{lines}")


def parse_protocol(data: Mapping[str, Any], source: str = "protocol") -> Protocol:
    """Validate a protocol given as plain data (as read from TOML or a web form)."""
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        raise ProtocolValidationError(source, _problems(exc, data)) from None


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate a protocol TOML file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProtocolError(f"{path}: no such protocol file") from None
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return _from_toml(raw, str(path))


def template_names() -> list[str]:
    """Names of the bundled protocol templates, e.g. 'ldn-mecfs-standard'."""
    folder = resources.files(__package__).joinpath(_TEMPLATES)
    return sorted(
        item.name[: -len(".toml")] for item in folder.iterdir() if item.name.endswith(".toml")
    )


def template_text(name: str) -> str:
    """The TOML text of a bundled template, comments included (for `nof1 protocol new`)."""
    if name not in template_names():
        raise ProtocolError(
            f"no protocol template named {name!r}; templates: {', '.join(template_names())}"
        )
    return resources.files(__package__).joinpath(_TEMPLATES, f"{name}.toml").read_text("utf-8")


def load_template(name: str) -> Protocol:
    """A bundled template, validated."""
    return _from_toml(template_text(name).encode("utf-8"), f"template {name}")


def _from_toml(raw: bytes, source: str) -> Protocol:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProtocolError(f"{source}: is not a text file (expected UTF-8 TOML)") from None
    except tomllib.TOMLDecodeError as exc:
        # The message names the line and column, e.g. "(at line 3, column 7)".
        raise ProtocolError(f"{source}: not valid TOML: {exc}") from None
    return parse_protocol(data, source)


# -- pydantic errors -> plain English ---------------------------------------------------------


def _problems(exc: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    errors = exc.errors()
    for error in errors:
        loc = error["loc"]
        if error["type"] == "too_short" and any(
            other["loc"][: len(loc)] == loc and len(other["loc"]) > len(loc) for other in errors
        ):
            continue  # pydantic also counts a list short when one of its entries is invalid
        where = _path(error["loc"], data)
        if error["type"] == PROBLEMS:
            for sub, message in error["ctx"]["problems"]:
                found.append((_join(where, sub), message))
        else:
            found.append((where or "protocol", _message(error)))
    return list(dict.fromkeys(found))


def _join(where: str, sub: str) -> str:
    if not where:
        return sub
    return where + ("" if sub.startswith("[") or not sub else ".") + sub


def _path(loc: tuple[int | str, ...], data: Any) -> str:
    """('outcomes', 2, 'mcid') -> 'outcomes[pain].mcid' (or 'outcomes (entry 3).mcid')."""
    path = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list | tuple) and part < len(node) else None
            name = _item_name(item)
            path += f"[{name}]" if name else f" (entry {part + 1})"
            node = item
        else:
            path += ("." if path else "") + part
            node = node.get(part) if isinstance(node, Mapping) else None
    return path


def _item_name(item: Any) -> str | None:
    if isinstance(item, Mapping):
        for key in ("id", "arm"):
            if isinstance(item.get(key), str) and item[key]:
                return str(item[key])
    return None


def _message(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    fixed = {
        "missing": "is required but missing",
        "extra_forbidden": "is not a setting nof1 knows (check the spelling)",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "finite_number": "must be a finite number",
        "string_type": "must be text (in quotes)",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "list_type": "must be a list",
        "tuple_type": "must be a list",
        "model_type": "must be a table (a [section] with its own settings)",
        "model_attributes_type": "must be a table (a [section] with its own settings)",
        "dict_type": "must be a table (a [section] with its own settings)",
        "string_too_short": "must not be empty",
    }
    if kind in fixed:
        return fixed[kind]
    if kind == "greater_than_equal":
        return "must not be negative" if ctx.get("ge") == 0 else f"must be at least {ctx['ge']}"
    if kind == "greater_than":
        return "must be above 0" if ctx.get("gt") == 0 else f"must be above {ctx['gt']}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} entries"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "string_pattern_mismatch":
        return _pattern_message(str(ctx.get("pattern", "")))
    return str(error["msg"]).removeprefix("Value error, ")


def _pattern_message(pattern: str) -> str:
    if pattern.startswith("^10"):
        return "must be a DOI such as 10.1136/bcr-2019-232502 (without https://doi.org/)"
    if pattern.startswith("^https"):
        return "must be a web address starting with http:// or https://"
    if pattern.startswith("^[a-z][a-z0-9_]"):
        return "must start with a lower-case letter and use only a-z, 0-9 and _"
    return "must use only lower-case letters, digits, '.', '-' and '_'"
