"""The design of a nof1 trial, or of a series of them, read from the trial itself.

Decisions (documented in docs/evidence.md):
- Randomised: nof1 allocates each pair (or block) in random order. The table is checked: if
  a pair holds only one arm, the trial is not counted as randomised.
- Blinded: the participant and the clinician; only the pharmacist knows the allocation.
- Completeness: of the days the analysis plans to use (randomised periods, after the analytic
  washout), the share with a value for the primary outcome. With a protocol the planned days
  are its periods; without one, the calendar days each period spans in the table.
- Exertion logged: the table has values in `exertion_yesterday` (the diary's rating) or in
  `steps` (a wearable's count). Adjusted: an analysed result has a covariate whose name starts
  with "exertion", or the primary outcome's exertion check (`exertion`, an
  `AdjustedComparison`) is given; then whether allowing for exertion changed the primary
  outcome's conclusion is recorded too (not reported otherwise).
- Concurrent-change log: the table has a `concurrent_change`, `other_medicines` or
  `infection` column, or a protocol is given: every nof1 protocol runs with the nof1 diary,
  which asks each day about new medicines and infections. Otherwise not reported.
- Outcome measure: wearable columns (`WEARABLE_METRICS`: steps, resting heart rate, HRV,
  sleep) are objective; every other outcome is the participant's own rating (self-report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nof1.evidence.design import BlindingCheck, Comparison, Role, StudyDesign

if TYPE_CHECKING:
    import pandas as pd

    from nof1.analysis.exertion import AdjustedComparison
    from nof1.blinding_index import BlindingIndex
    from nof1.protocol.model import Protocol
    from nof1.results import SeriesResult, SingleResult

__all__ = ["OBJECTIVE", "WEARABLE_METRICS", "series_design", "trial_design"]

RUN_IN = "run-in"
PLACEBO = "placebo"
CHANGE_COLUMNS = ("concurrent_change", "other_medicines", "infection")
# The wearable columns, as nof1.wearables.METRICS names them (a test checks they agree);
# importing that would load pandas and every wearable importer with nof1.evidence.
WEARABLE_METRICS = ("steps", "resting_hr", "hrv_sdnn_ms", "hrv_rmssd_ms", "sleep_hours")
OBJECTIVE = frozenset(WEARABLE_METRICS)
# Columns that record exertion: the diary's rating of yesterday, and a wearable's steps (the
# sources of nof1.analysis.exertion).
EXERTION_COLUMNS = ("exertion_yesterday", "steps")
BLINDED: tuple[Role, ...] = ("participants", "clinicians")


def trial_design(
    protocol: Protocol | None,
    table: pd.DataFrame,
    results: Sequence[SingleResult],
    *,
    blinding: Mapping[str, BlindingIndex] | None = None,
    case_definition: str | None = None,
    exertion: AdjustedComparison | None = None,
) -> StudyDesign:
    """One participant's completed nof1 trial as a design; `results[0]` is the primary
    outcome. `exertion` is the primary outcome's check against lagged exertion (the result
    without and with it), when one was made."""
    if not results:
        raise ValueError("trial_design needs at least one result (the primary outcome first)")
    primary = results[0]
    if exertion is not None and exertion.outcome != primary.outcome:
        raise ValueError(
            f"the exertion check is of {exertion.outcome!r}, not of the primary outcome "
            f"{primary.outcome!r}"
        )
    adjusted = exertion is not None or any(_adjusted(r.coefficients) for r in results)
    rows = table[table["participant"].astype(str) == primary.participant]
    if rows.empty:
        rows = table
    washout = primary.washout_days
    planned = _planned_days(protocol, rows, washout)
    observed = _observed_days(rows, primary.outcome, washout)
    return StudyDesign(
        id=_slug(f"nof1-{primary.participant}"),
        title=f"n-of-1 trial of participant {primary.participant}",
        citation=_citation(protocol, f"participant {primary.participant}"),
        kind="n-of-1 trial",
        condition=_condition(protocol),
        intervention=_intervention(protocol),
        n_participants=1,
        comparison=_comparison(rows),
        randomised=_randomised(rows),
        blinded=BLINDED,
        crossover_pairs=_pairs(protocol, rows),
        period_days=protocol.design.period_days if protocol else None,
        run_in_days=_run_in(protocol, rows),
        washout_days=washout,
        washout_kind="analytic" if washout else None,
        follow_up_days=_span(rows),
        outcome_measure="objective" if primary.outcome in OBJECTIVE else "self-report",
        daily_measures=observed >= 0.5 * planned if planned else None,
        primary_outcome=_label(protocol, primary.outcome),
        primary_prespecified=_prespecified(protocol, primary.outcome),
        mcid=primary.mcid,
        outcome_unit=_unit(protocol, primary.outcome),
        units=_units(protocol, [r.outcome for r in results]),
        n_outcomes=len(results),
        completeness=min(1.0, observed / planned) if planned else None,
        blinding_index=_blinding(blinding),
        case_definition=case_definition,
        concurrent_change_log=_change_log(protocol, rows),
        exertion_logged=adjusted or _exertion_logged(rows),
        exertion_adjusted=adjusted,
        exertion_changed_conclusion=exertion.changed if exertion is not None else None,
    )


def series_design(
    table: pd.DataFrame,
    result: SeriesResult,
    protocol: Protocol | None = None,
    *,
    washout_days: int | None = None,
) -> StudyDesign:
    """A pooled series of nof1 trials as a design. The series result records no washout, so
    the analysis passes the one it used as `washout_days`; without it the protocol's is taken,
    and with neither the washout is not reported."""
    if washout_days is not None and washout_days < 0:
        raise ValueError(f"washout_days cannot be negative, got {washout_days}")
    stated = washout_days if washout_days is not None else (
        protocol.design.washout_days if protocol else None)
    washout = stated or 0
    ids = set(result.participants)
    rows = table[table["participant"].astype(str).isin(ids)]
    planned = observed = 0
    randomised = True
    for _, part in rows.groupby("participant"):  # one pass over the participants
        planned += _planned_days(protocol, part, washout)
        observed += _observed_days(part, result.outcome, washout)
        randomised = randomised and _randomised(part)
    definitions = _case_definitions(rows)
    return StudyDesign(
        id="nof1-series",
        title=f"Series of {len(result.participants)} n-of-1 trials",
        citation=_citation(protocol, f"{len(result.participants)} participants"),
        kind="n-of-1 series",
        condition=_condition(protocol),
        intervention=_intervention(protocol),
        n_participants=len(result.participants),
        comparison=_comparison(rows),
        randomised=randomised,
        blinded=BLINDED,
        crossover_pairs=_pairs(protocol, rows),
        period_days=protocol.design.period_days if protocol else None,
        run_in_days=protocol.design.run_in_days if protocol else None,
        washout_days=stated,
        washout_kind="analytic" if washout else None,
        outcome_measure="objective" if result.outcome in OBJECTIVE else "self-report",
        primary_outcome=_label(protocol, result.outcome),
        primary_prespecified=_prespecified(protocol, result.outcome),
        mcid=result.mcid,
        outcome_unit=_unit(protocol, result.outcome),
        units=_units(protocol, [result.outcome]),
        n_outcomes=1,
        completeness=min(1.0, observed / planned) if planned else None,
        case_definition="; ".join(definitions) if definitions else None,
        concurrent_change_log=_change_log(protocol, rows),
        exertion_logged=_exertion_logged(rows),
        exertion_adjusted=False,  # the series model takes no daily covariates
    )


# -- facts from the table --------------------------------------------------------------------


def _days(rows: pd.DataFrame) -> Any:
    """Trial day numbers: the `day` column, or days since the first `date`."""
    import pandas as pd

    if "day" in rows.columns:
        return rows["day"].astype("int64")
    dates = pd.to_datetime(rows["date"])
    return (dates - dates.min()).dt.days + 1


def _randomised_rows(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[(rows["arm"].astype(str) != RUN_IN) & (rows["period"] > 0)]


def _after_washout(rows: pd.DataFrame, washout: int) -> pd.DataFrame:
    """Randomised rows past the analytic washout, as the single-patient model drops them."""
    periods = _randomised_rows(rows)
    if periods.empty or not washout:
        return periods
    day = _days(periods)
    first = day.groupby(periods["period"]).transform("min")
    return periods[(day - first) >= washout]


def _observed_days(rows: pd.DataFrame, outcome: str, washout: int) -> int:
    if outcome not in rows.columns:
        return 0
    return int(_after_washout(rows, washout)[outcome].notna().sum())


def _planned_days(protocol: Protocol | None, rows: pd.DataFrame, washout: int) -> int:
    if protocol is not None:
        return protocol.period_count * (protocol.design.period_days - washout)
    periods = _randomised_rows(rows)
    if periods.empty:
        return 0
    day = _days(periods)
    spans = day.groupby(periods["period"]).agg(lambda d: d.max() - d.min() + 1)
    return int((spans - washout).clip(lower=0).sum())


def _span(rows: pd.DataFrame) -> int | None:
    if rows.empty:
        return None
    day = _days(rows)
    return int(day.max() - day.min() + 1)


def _comparison(rows: pd.DataFrame) -> Comparison:
    return "placebo" if (rows["arm"].astype(str) == PLACEBO).any() else "control"


def _randomised(rows: pd.DataFrame) -> bool:
    """Every pair (or block) holds more than one arm: the order within it was drawn."""
    periods = _randomised_rows(rows)
    if periods.empty or "pair" not in periods.columns:
        return False
    arms_per_pair = periods.groupby("pair")["arm"].nunique()
    return bool((arms_per_pair > 1).all())


def _pairs(protocol: Protocol | None, rows: pd.DataFrame) -> int | None:
    """Pairs (or blocks) with data; in a series, the fewest any participant had."""
    periods = _randomised_rows(rows)
    if "pair" not in periods.columns or periods.empty:
        return protocol.design.block_count if protocol else None
    return int(periods.groupby(periods["participant"].astype(str))["pair"].nunique().min())


def _run_in(protocol: Protocol | None, rows: pd.DataFrame) -> int | None:
    if protocol is not None:
        return protocol.design.run_in_days
    run_in = rows[(rows["arm"].astype(str) == RUN_IN) | (rows["period"] <= 0)]
    return int(_days(run_in).nunique()) if not run_in.empty else 0


def _change_log(protocol: Protocol | None, rows: pd.DataFrame) -> bool | None:
    if any(column in rows.columns for column in CHANGE_COLUMNS):
        return True
    return True if protocol is not None else None


def _exertion_logged(rows: pd.DataFrame) -> bool:
    """Exertion was recorded: the diary's rating or a wearable's steps has a value."""
    return any(c in rows.columns and bool(rows[c].notna().any()) for c in EXERTION_COLUMNS)


def _adjusted(coefficients: Mapping[str, float]) -> bool:
    return any(name.startswith("exertion") for name in coefficients)


def _case_definitions(rows: pd.DataFrame) -> list[str]:
    if "case_definition" not in rows.columns:
        return []
    return sorted({str(v) for v in rows["case_definition"].dropna().unique()})


def _blinding(blinding: Mapping[str, BlindingIndex] | None) -> tuple[BlindingCheck, ...] | None:
    if not blinding:
        return None
    return tuple(
        BlindingCheck(
            arm=arm,
            n=index.n,
            estimate=index.estimate,
            low=index.ci95[0],
            high=index.ci95[1],
            beats_chance=index.beats_chance,
        )
        for arm, index in blinding.items()
    )


# -- facts from the protocol -----------------------------------------------------------------


def _citation(protocol: Protocol | None, who: str) -> str:
    if protocol is None:
        return f"nof1 trial data, {who}"
    return f"nof1 protocol {protocol.id} (version {protocol.version}), {who}"


def _condition(protocol: Protocol | None) -> str | None:
    """ME/CFS when the protocol says so in its title or description; else not reported."""
    if protocol is None:
        return None
    text = f"{protocol.title} {protocol.description}"
    return "ME/CFS" if "ME/CFS" in text else None


def _intervention(protocol: Protocol | None) -> str | None:
    if protocol is None:
        return None
    name = protocol.drug.name
    return "LDN" if name.lower().startswith("naltrexone (low dose)") else name


def _outcome(protocol: Protocol | None, outcome_id: str) -> Any:
    if protocol is None:
        return None
    return next((o for o in protocol.outcomes if o.id == outcome_id), None)


def _label(protocol: Protocol | None, outcome_id: str) -> str:
    outcome = _outcome(protocol, outcome_id)
    return outcome.label.lower() if outcome is not None else outcome_id.replace("_", " ")


def _unit(protocol: Protocol | None, outcome_id: str) -> str | None:
    outcome = _outcome(protocol, outcome_id)
    return outcome.scale.unit if outcome is not None else None


def _units(protocol: Protocol | None, outcome_ids: Sequence[str]) -> dict[str, str]:
    found = {o: _unit(protocol, o) for o in outcome_ids}
    return {o: unit for o, unit in found.items() if unit is not None}


def _prespecified(protocol: Protocol | None, outcome_id: str) -> bool | None:
    if protocol is None:
        return None
    return protocol.primary_outcome.id == outcome_id


def _slug(text: str) -> str:
    import re

    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-")
    return slug[:64] or "nof1-trial"
