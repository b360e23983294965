"""Reports as self-contained HTML (CSS inline, plots as data URIs) and as PDF (WeasyPrint).

Rendering only displays: every number comes from the report's result objects through
`nof1.report.fmt`. The same report always gives the same HTML; a date appears only when the
caller passes one (`generated_on`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from nof1.exceptions import Nof1Error
from nof1.report import fmt, text

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUFFIXES = (".html", ".pdf")


@cache
def _environment() -> Any:
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value is escaped; plots and the card arrive as Markup
        undefined=jinja2.StrictUndefined,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        fmt=fmt,
        cite=text.cite,
        references=text.REFERENCES,
        case_definitions=text.CASE_DEFINITIONS,
        likelihood_scale=fmt.LIKELIHOOD,
    )
    env.filters["img"] = lambda plot: Markup(plot.img()) if plot is not None else ""
    env.filters["card"] = lambda card: Markup(card.to_html())
    return env


def render_html(report: Any, *, generated_on: str | None = None) -> str:
    """The whole report as one HTML document; `report` is a TrialReport or SeriesReport."""
    env = _environment()
    template = env.get_template(f"{report.kind}.html")
    from markupsafe import Markup

    # our own stylesheet, not data: inlined as it is (escaping would break its quotes)
    css = Markup((TEMPLATES / "report.css").read_text(encoding="utf-8"))
    return str(template.render(r=report, css=css, generated_on=generated_on))


def pdf_bytes(html: str) -> bytes:
    """WeasyPrint draws the HTML as a PDF; imported here because it is slow to import."""
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not support; a report needs none of them
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return bytes(HTML(string=html).write_pdf())


def check_destination(path: str | os.PathLike[str]) -> Path:
    """`path` as a Path if a report can be written there (.html or .pdf, in a folder that
    exists); Nof1Error otherwise. Callers check before the analysis, not after it."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise Nof1Error(
            f"{out}: cannot write a report ending {suffix or 'in no suffix'!r}; "
            "use .html or .pdf"
        )
    if not out.parent.exists():
        raise Nof1Error(f"{out}: the folder {out.parent} does not exist")
    return out


def write_report(
    path: str | os.PathLike[str], report: Any, *, generated_on: str | None = None
) -> Path:
    """Write `report` to `path`: .html gives self-contained HTML, .pdf a PDF of it."""
    [out] = write_reports([path], report, generated_on=generated_on)
    return out


def write_reports(
    paths: Iterable[str | os.PathLike[str]], report: Any, *, generated_on: str | None = None
) -> list[Path]:
    """Write `report` to each of `paths` (.html and/or .pdf), drawing its HTML once."""
    outs = [check_destination(path) for path in paths]
    html = render_html(report, generated_on=generated_on)
    for out in outs:
        if out.suffix.lower() == ".html":
            out.write_text(html, encoding="utf-8")
        else:
            out.write_bytes(pdf_bytes(html))
    return outs
