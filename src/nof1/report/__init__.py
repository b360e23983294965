"""Trial and series reports: HTML and PDF, with plots and the evidence card.

    build_trial_report(table, protocol=..., ...)   one participant's trial -> TrialReport
    from_trial_folder(path)                         the same, from a folder of nof1 randomize
    build_series_report(table, outcome=..., ...)    many trials pooled -> SeriesReport
    write_report(path, report)                      .html (self-contained) or .pdf

Builders run every estimator once and keep the result objects; templates only display them.
matplotlib, Jinja2 and WeasyPrint are imported only when a report is built or written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "SeriesReport",
    "TrialReport",
    "build_series_report",
    "build_trial_report",
    "from_trial_folder",
    "render_html",
    "write_report",
]

if TYPE_CHECKING:
    from nof1.report.folder import from_trial_folder
    from nof1.report.render import render_html, write_report
    from nof1.report.series import SeriesReport, build_series_report
    from nof1.report.trial import TrialReport, build_trial_report

_WHERE = {
    "SeriesReport": "nof1.report.series",
    "build_series_report": "nof1.report.series",
    "TrialReport": "nof1.report.trial",
    "build_trial_report": "nof1.report.trial",
    "from_trial_folder": "nof1.report.folder",
    "render_html": "nof1.report.render",
    "write_report": "nof1.report.render",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that `nof1.report.plots` (and the CLI) can be imported without pandas and scipy.
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'nof1.report' has no attribute {name!r}")
