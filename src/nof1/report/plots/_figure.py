"""What every report plot shares: the Plot value, the house style, SVG export and input checks.

matplotlib is imported inside functions only, so importing nof1.report.plots stays light (the
boundary tests load every core module and check which packages come with it). Figures are
built from matplotlib.figure.Figure, never pyplot, and drawn inside rc_context, so nothing
here changes matplotlib's global state for whoever else uses it in the same process.
"""

from __future__ import annotations

import base64
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from io import StringIO
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

from nof1.exceptions import DataError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH = 7.0  # inches: the text width of an A4 or Letter page, so print size is 1:1
MAX_HEIGHT = 9.0  # inches: what an A4 or Letter page holds beside a heading

# Okabe & Ito (2008) colours, distinguishable with every common colour-vision deficiency.
ACTIVE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
PLACEBO = "#A6A6A6"  # placebo is always this neutral grey, whatever else is on the plot
RUN_IN = "#F2F2F2"
UNKNOWN = "#FFFFFF"  # a period whose arm is not known (still blinded): outline only
INK = "#222222"
FAINT = "#777777"
MCID_COLOUR = "#D55E00"
WASHOUT_HATCH = "///"

# Everything that could vary between runs or machines is pinned: the id salt (matplotlib
# otherwise salts ids with a random uuid), fonts (the bundled DejaVu Sans, drawn as paths so
# no viewer needs it) and the style, so the same input gives byte-identical SVG.
STYLE: dict[str, Any] = {
    "svg.hashsalt": "nof1-report",
    "svg.fonttype": "path",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.frameon": False,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": FAINT,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "hatch.linewidth": 0.8,
    "axes.unicode_minus": True,
}


@dataclass(frozen=True)
class Plot:
    """One drawn plot: SVG text (no XML declaration) and its alternative text."""

    svg: str
    alt: str

    def img(self) -> str:
        """An <img> with the SVG as a data URI: each image keeps its own ids, however many
        share an HTML page, and WeasyPrint renders it in a PDF."""
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return (
            f'<img class="plot" alt="{escape(self.alt, quote=True)}" '
            f'src="data:image/svg+xml;base64,{data}">'
        )


def draw(height: float, title: str, alt: str, paint: Callable[[Figure], None]) -> Plot:
    """A Figure WIDTH x height inches, painted by `paint`, exported as a Plot."""
    import matplotlib
    from matplotlib.figure import Figure

    # rc_context restores every setting on the way out; the cast is because matplotlib's
    # stubs type rcParams keys as one Literal per setting, which a dict[str, ...] never is
    with matplotlib.rc_context(cast(Any, STYLE)):
        # 72 dpi, the SVG's own, so the text measured when fitting is the text written
        figure = Figure(figsize=(WIDTH, min(max(height, 1.5), MAX_HEIGHT)), dpi=72)
        paint(figure)
        _fit_text(figure)
        out = StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return Plot(svg=_accessible(out.getvalue(), title, alt), alt=alt)


MARGIN = 2.0  # pixels kept clear at the figure's sides, for the renderers' rounding
FIT_PASSES = 3  # wrapping a label can move the axes; the second pass nearly always suffices


def _fit_text(figure: Figure) -> None:
    """Wraps every title, axis label and axes text that runs past the figure's sides.

    Layout engines never wrap text, and constrained layout counts a title or an x label as
    one pixel wide, so a long outcome or arm name is clipped at the figure's edge. Each such
    text is measured as laid out, wrapped to the room its alignment leaves it (deliberate line
    breaks are kept), and the figure laid out again."""
    from matplotlib.text import Text

    for _ in range(FIT_PASSES):
        figure.draw_without_rendering()
        box = figure.bbox
        texts = [t for axes in figure.axes
                 for t in (axes.xaxis.label, axes.yaxis.label, *axes.get_children())
                 if isinstance(t, Text) and t.get_visible() and " " in t.get_text()]
        wrapped = False
        for text in texts:
            extent = text.get_window_extent()
            across = text.get_rotation() % 180 == 0
            low, high = (box.x0, box.x1) if across else (box.y0, box.y1)
            start, end = (extent.x0, extent.x1) if across else (extent.y0, extent.y1)
            if start >= low + MARGIN and end <= high - MARGIN:
                continue
            align = text.get_horizontalalignment() if across else "center"
            middle = (start + end) / 2
            room = {"left": high - start, "right": end - low}.get(
                align, 2 * min(middle - low, high - middle)) - 2 * MARGIN
            lines = text.get_text().splitlines()
            chars = max(10, int(max(map(len, lines)) * room / (end - start)) - 1)
            text.set_text("\n".join(textwrap.fill(line, chars) for line in lines))
            wrapped = True
        if not wrapped:
            return


def _accessible(svg: str, title: str, alt: str) -> str:
    """Drops the XML declaration and DOCTYPE (the SVG is inlined or data-URI'd, never a file)
    and names the image for assistive technology."""
    start = svg.index("<svg")
    svg = svg[start:]
    end = svg.index(">") + 1
    head = svg[:end].replace("<svg ", '<svg role="img" ', 1)
    return f"{head}\n<title>{escape(title)}</title>\n<desc>{escape(alt)}</desc>{svg[end:]}"


def wrap(text: str, size: float, inches: float = WIDTH - 0.5) -> str:
    """`text` broken into lines no wider than about `inches` at `size` points, for text that
    must be sized before drawing and that _fit_text does not rewrap: tick labels, legend
    entries and the flow diagram's title."""
    # DejaVu Sans averages about 0.5 em a character in words; 0.55 leaves room for capitals
    return textwrap.fill(text, max(20, int(inches * 72 / (0.55 * size))))


def legend_columns(labels: Sequence[str], size: float = 11, most: int = 3) -> int:
    """The most columns (up to `most`) a figure-wide legend of `labels` can have without
    running past the figure's sides. matplotlib fills columns top to bottom, in chunks as
    numpy.array_split cuts them; each column is as wide as its longest line plus the handle
    and its gap (2.8 em), and columns are 2 em apart."""
    widths = [max((len(line) for line in label.splitlines()), default=0) for label in labels]
    room = (WIDTH - 0.3) * 72 / size  # in em
    for columns in range(min(most, len(widths)), 1, -1):
        rows, extra = divmod(len(widths), columns)
        starts = [j * rows + min(j, extra) for j in range(columns + 1)]
        needed = sum(0.5 * max(widths[a:b]) + 2.8 for a, b in pairwise(starts))
        if needed + 2.0 * (columns - 1) <= room:
            return columns
    return 1


# -- words and numbers for alternative text --------------------------------------------------


def number(x: float, digits: int = 2) -> str:
    """A number for reading aloud: fixed digits, never "-0.00"."""
    text = f"{x:.{digits}f}"
    return text[1:] if re.fullmatch(r"-0\.?0*", text) else text


def better_words(better: str) -> str:
    return f"{better.capitalize()} is better."


# -- input checks: every public function refuses bad input with DataError ---------------------


def check_better(better: str) -> str:
    if better not in ("lower", "higher"):
        raise DataError(f"better must be 'lower' or 'higher', got {better!r}")
    return better


def check_mcid(mcid: float | None) -> float | None:
    if mcid is None:
        return None
    if not (math.isfinite(mcid) and mcid > 0):
        raise DataError(f"the MCID must be a positive number, got {mcid!r}")
    return float(mcid)


def check_lengths(what: str, **columns: Sequence[Any]) -> int:
    """The common length of `columns`; DataError when any is empty or they differ."""
    lengths = {name: len(values) for name, values in columns.items()}
    first = next(iter(lengths.values()))
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise DataError(f"{what}: these must have the same length, but {listed}")
    if first == 0:
        raise DataError(f"{what}: nothing to plot ({', '.join(lengths)} are empty)")
    return first


def finite(what: str, values: Sequence[float]) -> list[float]:
    out = [float(v) for v in values]
    bad = [i for i, v in enumerate(out) if not math.isfinite(v)]
    if bad:
        raise DataError(f"{what} must be finite numbers; item {bad[0] + 1} is {out[bad[0]]}")
    return out


def intervals(
    what: str, mean: Sequence[float], low: Sequence[float], high: Sequence[float]
) -> tuple[list[float], list[float], list[float]]:
    """Checked (mean, low, high) columns: finite, and each low <= high."""
    m, lo, hi = finite(f"{what} means", mean), finite(f"{what} lows", low), finite(
        f"{what} highs", high
    )
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        if a > b:
            raise DataError(f"{what}: interval {i + 1} runs backwards ({a} > {b})")
    return m, lo, hi


def counts(what: str, values: Mapping[str, int] | Sequence[int]) -> None:
    items = values.values() if isinstance(values, Mapping) else values
    for n in items:
        whole = isinstance(n, int | float) and not isinstance(n, bool) and float(n).is_integer()
        if not whole or n < 0:
            raise DataError(f"{what} must be whole numbers of 0 or more, got {n!r}")
