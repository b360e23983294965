"""The report of a series of n-of-1 trials: the pooled model run once, results kept.

`build_series_report` fits `SeriesAnalysis` on every participant (all active doses pooled
against each participant's own placebo), then once per dose when the table holds several, for
the dose-response; it keeps the result objects, the CENT flow counts and the series card.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nof1.analysis.design import active_arms
from nof1.analysis.series import SeriesAnalysis
from nof1.data import ACTIVE
from nof1.exceptions import DataError, Nof1Error
from nof1.protocol import Protocol
from nof1.report.outcomes import Estimate
from nof1.results import Better, SeriesResult

MAX_ROWS = 100  # participants listed in the report's table; the forest plot shows them all
_MG = re.compile(r"(\d+(?:\.\d+)?)\s*mg", re.IGNORECASE)


@dataclass(frozen=True)
class DoseResult:
    """One dose (or active arm) pooled against placebo, for the dose-response."""

    label: str
    dose_mg: float | None
    participants: int  # participants in the data who had this dose
    result: SeriesResult | None
    problem: str = ""  # why it could not be pooled
    mu: Estimate | None = None  # the average effect at this dose


@dataclass(frozen=True)
class SeriesReport:
    title: str
    outcome: str
    label: str
    unit: str
    better: Better
    mcid: float | None
    washout_days: int
    result: SeriesResult
    n_in_data: int  # participants in the table
    pooled_arms: tuple[str, ...]  # the active arms the main analysis pools
    covariates: tuple[str, ...]  # the covariates table's columns (not participant)
    doses: tuple[DoseResult, ...]  # empty when the table holds one dose
    card: Any  # nof1.evidence.EvidenceCard
    mu: Estimate  # average effect (at the covariates' means)
    tau: Estimate  # between-patient SD of effects
    predictive: Estimate  # a new patient's effect
    coefficients: tuple[tuple[str, Estimate], ...]  # covariate effects, per unit
    tau_scale: float  # scale of tau's half-normal prior
    protocol: Protocol | None = None
    plots: Mapping[str, Any] = field(default_factory=dict)  # "forest", "flow", "dose": Plot

    kind = "series"
    max_rows = MAX_ROWS

    @property
    def rows(self) -> range:
        """Indexes of the participants listed in the table (the first MAX_ROWS)."""
        return range(min(MAX_ROWS, len(self.result.participants)))

    @property
    def exclusions(self) -> tuple[tuple[str, int], ...]:
        """Why participants were not analysed, with how many for each reason."""
        return tuple(sorted(Counter(self.result.excluded.values()).items()))

    @property
    def limitations(self) -> tuple[Any, ...]:
        """Threats to validity the appraisal leaves open or only partly addressed."""
        return tuple(t for t in self.card.appraisal.threats if t.status.value != "addressed")

    @property
    def sources(self) -> tuple[Any, ...]:
        return tuple(self.protocol.sources) if self.protocol is not None else ()

    @property
    def analysed(self) -> int:
        return len(self.result.participants)

    @property
    def dose_response(self) -> tuple[DoseResult, ...]:
        return tuple(d for d in self.doses if d.result is not None)


def build_series_report(
    table: pd.DataFrame,
    *,
    outcome: str,
    better: Better | None = None,
    mcid: float | None = None,
    washout_days: int | None = None,
    covariates: pd.DataFrame | None = None,
    protocol: Protocol | None = None,
    title: str | None = None,
    plots: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SeriesReport:
    """Pool every participant's trial of `outcome` in a validated daily table.

    Without a protocol, lower is better and there is no washout unless said; with one, the
    outcome's label, unit, direction and MCID and the design's washout are its defaults.
    `covariates` is a table with a `participant` column and one column per covariate.
    `progress(done, total)` follows the first stage of the main analysis.
    """
    from nof1.evidence import series_card, series_design

    if outcome not in table.columns:
        raise DataError(f"no outcome column {outcome!r} in the table", column=outcome)
    spec = next((o for o in protocol.outcomes if o.id == outcome), None) if protocol else None
    better = better or (spec.better if spec else "lower")
    mcid = mcid if mcid is not None else (spec.mcid if spec else None)
    if washout_days is None:
        washout_days = protocol.design.washout_days if protocol is not None else 0
    arms = _active_arms(table)
    pooled = _pooled(table, arms)
    model = SeriesAnalysis(outcome, better=better, mcid=mcid, washout_days=washout_days)
    result = model.fit(pooled, covariates, progress=progress).result_
    doses = _doses(table, arms, model)
    design = series_design(table, result, protocol, washout_days=washout_days)
    card = series_card(design, result)
    label = spec.label if spec else outcome.replace("_", " ").capitalize()
    report = SeriesReport(
        title=title or f"Series of n-of-1 trials: {label}",
        outcome=outcome,
        label=label,
        unit=spec.scale.unit if spec else "points",
        better=better,
        mcid=mcid,
        washout_days=washout_days,
        result=result,
        n_in_data=int(table["participant"].nunique()),
        pooled_arms=tuple(arms),
        covariates=tuple(str(c) for c in covariates.columns if c != "participant")
        if covariates is not None
        else (),
        doses=doses,
        card=card,
        mu=Estimate.of(result.mu),
        tau=Estimate.of(result.tau),
        predictive=Estimate.of(result.predictive),
        coefficients=tuple((k, Estimate.of(v)) for k, v in result.coefficients.items()),
        tau_scale=model.tau_scale,
        protocol=protocol,
    )
    if not plots:
        return report
    from dataclasses import replace

    return replace(report, plots=_plots(report))


def _active_arms(table: pd.DataFrame) -> list[str]:
    """Active arms by dose (then name)."""
    dose = {a: _dose_of_arm(table, a) for a in active_arms(table["arm"])}
    return sorted(dose, key=lambda a: (dose[a] or 0.0, a))


def _pooled(table: pd.DataFrame, arms: list[str]) -> pd.DataFrame:
    """Every active arm named "active", so that the main analysis pools all doses."""
    if len(arms) <= 1:
        return table
    out = table.copy()
    out.loc[out["arm"].isin(arms), "arm"] = ACTIVE
    return out


def _dose_of_arm(table: pd.DataFrame, arm: str) -> float | None:
    """The arm's target dose: its highest dose_mg, else the dose its name states."""
    dose = table.loc[table["arm"] == arm, "dose_mg"].to_numpy(np.float64)
    if np.isfinite(dose).any() and np.nanmax(dose) > 0:
        return float(np.nanmax(dose))
    found = _MG.search(arm)
    return float(found[1]) if found else None


def _doses(table: pd.DataFrame, arms: list[str], model: SeriesAnalysis) -> tuple[DoseResult, ...]:
    """One pooled analysis per dose, when the table holds more than one."""
    if len(arms) >= 2:
        out = []
        for arm in arms:
            who = table.loc[table["arm"] == arm, "participant"].nunique()
            dose = _dose_of_arm(table, arm)
            label = f"{dose:g} mg" if dose is not None else arm
            out.append(_fit_dose(model, table, label, dose, int(who), arm=arm))
        return tuple(out)
    if not arms:
        return ()
    active = table[table["arm"] == arms[0]]
    by_person = active.groupby("participant", sort=False)["dose_mg"].max()
    levels = sorted({float(d) for d in by_person.dropna() if d > 0})
    if len(levels) < 2:
        return ()
    out = []
    for dose in levels:
        people = by_person.index[by_person == dose]
        subset = table[table["participant"].isin(people)]
        out.append(_fit_dose(model, subset, f"{dose:g} mg", dose, len(people), arm=arms[0]))
    return tuple(out)


def _fit_dose(
    model: SeriesAnalysis, table: pd.DataFrame, label: str, dose: float | None, who: int, *,
    arm: str,
) -> DoseResult:
    one = SeriesAnalysis(
        model.outcome, better=model.better, mcid=model.mcid, washout_days=model.washout_days,
        arm=arm,
    )
    try:
        result = one.fit(table).result_
        return DoseResult(label, dose, who, result, mu=Estimate.of(result.mu))
    except Nof1Error as error:
        return DoseResult(label, dose, who, None, str(error))


def _plots(report: SeriesReport) -> dict[str, Any]:
    from nof1.blinding_index import Z95
    from nof1.report import plots

    r = report.result
    mu, new = report.mu, report.predictive
    own_lo, own_hi = r.stage1_mean - Z95 * r.stage1_sd, r.stage1_mean + Z95 * r.stage1_sd
    figures: dict[str, Any] = {
        "forest": plots.forest(
            list(r.participants),
            r.effect_mean.tolist(),
            r.effect_ci95[:, 0].tolist(),
            r.effect_ci95[:, 1].tolist(),
            label=report.label,
            better=report.better,
            mcid=report.mcid,
            pooled=(mu.mean, mu.low, mu.high),
            predictive=(new.mean, new.low, new.high),
            raw=(r.stage1_mean.tolist(), own_lo.tolist(), own_hi.tolist()),
        ),
        "flow": plots.flow_diagram(
            [("Participants in the data", report.n_in_data), ("Analysed", report.analysed)],
            report.exclusions,
        ),
    }
    shown = [(d.dose_mg, d.mu) for d in report.dose_response if d.dose_mg is not None and d.mu]
    if len(shown) >= 2:
        figures["dose"] = plots.dose_response(
            [dose for dose, _ in shown],
            [e.mean for _, e in shown],
            [e.low for _, e in shown],
            [e.high for _, e in shown],
            label=report.label,
            better=report.better,
            mcid=report.mcid,
            unit=report.unit,
        )
    return figures
