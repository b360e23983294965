"""The PDF renders: each page drawn by poppler's pdftoppm is A4, none is blank, and the plots
come out in colour. `make test` installs poppler-utils when it is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.protocol import load_template
from nof1.report import build_series_report, build_trial_report, write_report

DPI = 40
A4_PIXELS = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))  # width, height


def pages(pdf: Path, out: Path) -> list[np.ndarray]:
    from matplotlib import image

    tool = shutil.which("pdftoppm") or ("/usr/bin/pdftoppm" if Path("/usr/bin/pdftoppm").exists()
                                        else None)
    if tool is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (apt-get install poppler-utils)")
    subprocess.run([tool, "-r", str(DPI), "-png", str(pdf), str(out / "page")], check=True,
                   timeout=120)
    return [image.imread(path) for path in sorted(out.glob("page-*.png"))]


def check_pages(images: list[np.ndarray]) -> None:
    assert len(images) >= 3
    coloured = 0
    for n, img in enumerate(images, start=1):
        rgb = img[..., :3]
        height, width = rgb.shape[:2]
        assert abs(width - A4_PIXELS[0]) <= 1 and abs(height - A4_PIXELS[1]) <= 1, (n, rgb.shape)
        ink = (rgb < 0.9).any(axis=-1).mean()
        assert ink > 0.01, f"page {n} is blank ({ink:.2%} non-white)"
        saturation = rgb.max(axis=-1) - rgb.min(axis=-1)
        coloured += int((saturation > 0.25).sum() > 200)
    assert coloured >= 1, "no page has a coloured plot"


def test_the_trial_and_series_reports_render_as_a4_pdf_pages(tmp_path):
    rng = np.random.default_rng(3)
    design = TrialDesign(3, 28, 14, 7)
    trial = simulate_table(design, Assumptions(effect=-1.2, sigma=1.3), 1, rng)
    trial["arm"] = trial["arm"].replace({"active": "ldn-4.5mg"})
    report = build_trial_report(trial.drop(columns="true_effect"),
                                protocol=load_template("ldn-mecfs-standard"))
    pdf = write_report(tmp_path / "trial.pdf", report)
    assert pdf.read_bytes().startswith(b"%PDF")
    (tmp_path / "trial").mkdir()
    check_pages(pages(pdf, tmp_path / "trial"))

    series = simulate_table(design, Assumptions(effect=-0.6, tau=0.8, sigma=1.3), 10, rng)
    pooled = build_series_report(series.drop(columns="true_effect"), outcome="fatigue", mcid=1.0)
    pdf = write_report(tmp_path / "series.pdf", pooled)
    (tmp_path / "series").mkdir()
    check_pages(pages(pdf, tmp_path / "series"))
