"""The report of one participant's n-of-1 trial: every estimator run once, results kept.

`build_trial_report` takes the unblinded daily table (and the protocol when there is one) and
returns a `TrialReport` holding the result objects, the facts of each period, the blinding
index, the evidence card and the plots. `nof1.report.render` turns it into HTML or PDF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from nof1.analysis.exertion import DEFAULT_LAGS, check_lags, default_source
from nof1.analysis.single import select_participant
from nof1.blinding_index import BlindingIndex, bang_index
from nof1.data import PLACEBO, RUN_IN, outcome_columns
from nof1.exceptions import DataError, Nof1Error
from nof1.protocol import Protocol
from nof1.report.outcomes import OutcomeReport, OutcomeSpec, analyse_outcome, with_plots
from nof1.report.periods import PeriodFacts, event_ids, period_facts
from nof1.results import Better

ANALYSED = ("daily", "weekly")  # per-period outcomes have too few values for the model
# Skewed counts analysed as log(value + offset), so the effect is a ratio: step counts vary
# by about half from day to day, multiplicatively (Rekeland 2022); the offset keeps a day with
# no steps finite and is negligible against thousands of steps.
LOG_OFFSET = 1.0
LOG_SCALE = frozenset({"steps"})
# Without a protocol, what a wearable's column measures and which way is better.
# Only where the domain brief gives the direction: people less severely ill walk more (Rekeland
# 2022), and lower HRV tracks fatigue (doi 10.1186/s12967-019-02184-z). Resting heart rate and
# sleep duration have no direction there, so they are analysed only when named with --outcome
# and --better.
WEARABLE: dict[str, tuple[str, str, Better]] = {
    "steps": ("Steps (wearable)", "steps", "higher"),
    "hrv_sdnn_ms": ("Heart-rate variability, SDNN (wearable)", "ms", "higher"),
    "hrv_rmssd_ms": ("Heart-rate variability, RMSSD (wearable)", "ms", "higher"),
}
NO_DIRECTION = frozenset({"resting_hr", "sleep_hours"})
# Columns of the web diary's table that are not outcomes (see nof1.web.diary.table), and the
# simulator's truth, which a report must never show as if it were measured.
NOT_OUTCOMES = frozenset(
    {"diary", "dose_taken", "exertion_yesterday", "crash_today", "side_effects",
     "concurrent_change", "true_effect", "blinding_guess"}
)


@dataclass(frozen=True)
class TrialShape:
    """The design as the table shows it: run-in, periods, pairs (or blocks), washout."""

    run_in_days: int
    periods: int
    blocks: int
    block_word: str  # "pair" or "block"
    period_days: tuple[int, ...]  # distinct period lengths, shortest first
    washout_days: int
    total_days: int
    arms: tuple[str, ...]  # arm ids in the randomised periods, placebo first

    @property
    def active_arms(self) -> tuple[str, ...]:
        return tuple(a for a in self.arms if a != PLACEBO)


@dataclass(frozen=True)
class TrialReport:
    title: str
    participant: str
    protocol: Protocol | None
    shape: TrialShape
    periods: tuple[PeriodFacts, ...]
    outcomes: tuple[OutcomeReport, ...]
    arm_labels: Mapping[str, str]
    events: tuple[tuple[str, str], ...]  # adverse events shown: (id, label)
    guesses: tuple[str | None, ...] | None
    blinding: Mapping[str, BlindingIndex] | None
    blinding_problem: str
    card: Any  # nof1.evidence.EvidenceCard
    case_definition: str | None = None
    unblinded_on: str | None = None
    has_adherence: bool = False
    has_harms: bool = False
    plots: Mapping[str, Any] = field(default_factory=dict)  # "timeline", "harms": Plot
    exertion_lags: tuple[int, ...] = DEFAULT_LAGS  # days before, for the exertion check

    kind = "trial"

    @property
    def log_scale_outcomes(self) -> tuple[OutcomeReport, ...]:
        return tuple(o for o in self.outcomes if o.spec.log_scale)

    @property
    def exertion_sources(self) -> tuple[str, ...]:
        """The columns exertion was read from, for any outcome (in outcome order)."""
        found = [o.exertion_source for o in self.outcomes if o.exertion_source is not None]
        return tuple(dict.fromkeys(found))

    @property
    def primary(self) -> OutcomeReport:
        return self.outcomes[0]

    @property
    def randomised_periods(self) -> tuple[PeriodFacts, ...]:
        return tuple(p for p in self.periods if p.randomised)

    @property
    def limitations(self) -> tuple[Any, ...]:
        """Threats to validity the appraisal leaves open or only partly addressed."""
        return tuple(t for t in self.card.appraisal.threats if t.status.value != "addressed")

    @property
    def is_ldn(self) -> bool:
        """Whether the LDN background applies: an LDN protocol, or a bare table (nof1's
        trials are LDN trials unless a protocol says otherwise)."""
        return self.protocol is None or "naltrexone" in self.protocol.drug.name.lower()

    @property
    def sources(self) -> tuple[Any, ...]:
        return tuple(self.protocol.sources) if self.protocol is not None else ()


def build_trial_report(
    table: pd.DataFrame,
    *,
    protocol: Protocol | None = None,
    participant: str | None = None,
    outcomes: Sequence[str] | None = None,
    better: Better | None = None,
    mcid: float | None = None,
    washout_days: int | None = None,
    guesses: Sequence[str | None] | None = None,
    unblinded_on: str | None = None,
    title: str | None = None,
    case_definition: str | None = None,
    plots: bool = True,
    log_scale: Sequence[str] = (),
    exertion: str | None = "auto",
    exertion_lags: Sequence[int] = DEFAULT_LAGS,
) -> TrialReport:
    """Analyse one participant's unblinded daily table (canonical, validated) for a report.

    With a protocol, its outcomes (primary first), labels, units, MCIDs, directions, washout and
    arm labels are used; `better`, `mcid` and `washout_days`, when given, override them for every
    outcome. Without one, outcomes are the table's numeric columns (or `outcomes`), lower is
    better unless `better` says otherwise, and the design is read from the table. `guesses` are
    the participant's end-of-period guesses, one per randomised period ("active", "placebo",
    "dont_know" or None). `plots=False` leaves out the figures (faster, for tests and the web).

    `steps`, and the outcomes named in `log_scale`, are analysed as log(value + 1): their
    effect is a ratio, and an MCID in outcome units does not apply to them. Each outcome is
    also fitted with exertion on each of `exertion_lags` days before as covariates, from the
    `exertion` column (a source of `nof1.analysis.exertion`; "auto": the diary's
    `exertion_yesterday`, else `steps`, never the outcome itself; None: no adjustment). The
    unadjusted analysis stays the main one; the adjusted one is a check beside it.
    """
    from nof1.evidence import trial_card, trial_design

    pid, rows = select_participant(table, participant)
    rows = rows.sort_values("day", kind="stable").reset_index(drop=True)
    washout = (
        washout_days
        if washout_days is not None
        else (protocol.design.washout_days if protocol is not None else 0)
    )
    lags = check_lags(exertion_lags)
    specs = [_log_scale(s, log_scale) for s in _outcome_specs(rows, protocol, outcomes, better,
                                                                 mcid)]
    labels = dict(_arm_labels(protocol))
    events = _events(rows, protocol)
    diary = [s.id for s in specs if s.id not in WEARABLE]  # a diary day is a rated day
    periods = period_facts(rows, diary, labels=labels, events=[e for e, _ in events])
    labels.update({p.arm: p.label for p in periods})
    shape = _shape(periods, protocol, washout)
    reports = [
        analyse_outcome(
            rows,
            s,
            washout_days=washout,
            arm_labels=labels,
            exertion=_exertion_source(rows, s.id, exertion),
            exertion_lags=lags,
        )
        for s in specs
    ]
    if not reports[0].analysed:
        raise Nof1Error(f"participant {pid}: {reports[0].spec.label}: {reports[0].problem}")
    blinding, guess_tuple, problem = _blinding(guesses, periods)
    results = [r.result for r in reports if r.result is not None]
    # the primary outcome's exertion check decides whether the appraisal counts exertion as
    # allowed for (its conclusion stood) or not (allowing for it changed the conclusion)
    study = trial_design(protocol, rows, results, blinding=blinding,
                         case_definition=case_definition, exertion=reports[0].exertion)
    card = trial_card(study, results, labels={s.id: s.label for s in specs})
    figures: dict[str, Any] = {}
    if plots:
        reports, figures = _plots(rows, reports, periods, shape, events)
    return TrialReport(
        title=_title(title, protocol, pid, labels, shape),
        participant=pid,
        protocol=protocol,
        shape=shape,
        periods=periods,
        outcomes=tuple(reports),
        arm_labels=labels,
        events=tuple(events),
        guesses=guess_tuple,
        blinding=blinding,
        blinding_problem=problem,
        card=card,
        case_definition=case_definition,
        unblinded_on=unblinded_on,
        has_adherence="dose_taken" in rows.columns,
        has_harms="side_effects" in rows.columns,
        plots=figures,
        exertion_lags=lags,
    )


def _outcome_specs(
    rows: pd.DataFrame,
    protocol: Protocol | None,
    chosen: Sequence[str] | None,
    better: Better | None,
    mcid: float | None,
) -> list[OutcomeSpec]:
    if protocol is not None:
        known = {o.id: o for o in protocol.outcomes}
        specs = [
            OutcomeSpec(
                id=o.id,
                label=o.label,
                unit=o.scale.unit,
                better=better or o.better,
                mcid=mcid if mcid is not None else o.mcid,
                primary=o.primary,
                frequency=o.frequency,
                scale=(o.scale.min, o.scale.max),
                sources=tuple(o.sources),
            )
            for o in sorted(protocol.outcomes, key=lambda o: not o.primary)
            if o.frequency in ANALYSED and o.id in rows.columns and rows[o.id].notna().any()
        ]
        # objective outcomes from a wearable, beside the protocol's own
        specs += [
            _wearable_spec(c, better, primary=False)
            for c in WEARABLE
            if c not in known and c in rows.columns and rows[c].notna().any()
        ]
        unknown = [c for c in chosen or () if c not in known and c not in WEARABLE]
        if unknown:
            raise DataError(
                f"the protocol {protocol.id} has no outcome {unknown[0]!r}; its outcomes are "
                + ", ".join(known),
                column=unknown[0],
            )
    else:
        names = list(chosen) if chosen else [
            c for c in outcome_columns(rows)
            if c not in NOT_OUTCOMES | NO_DIRECTION and not c.startswith("exertion_lag")
        ]
        specs = [
            _wearable_spec(c, better, primary=i == 0, mcid=mcid) if c in WEARABLE
            else OutcomeSpec(id=c, label=c.replace("_", " ").capitalize(), unit="points",
                             better=better or "lower", mcid=mcid, primary=i == 0)
            for i, c in enumerate(names)
        ]
    if chosen:
        missing = [c for c in chosen if c not in rows.columns]
        if missing:
            raise DataError(f"no outcome column {missing[0]!r} in the table", column=missing[0])
        by_id = {s.id: s for s in specs}
        absent = [c for c in chosen if c not in by_id]
        if absent:
            raise DataError(f"outcome {absent[0]!r} has no values to analyse", column=absent[0])
        # the first outcome named is the primary one of this report
        specs = [_primary(by_id[c], i == 0) for i, c in enumerate(chosen)]
    if not specs:
        raise DataError("the table has no outcome with values to analyse")
    return specs


def _wearable_spec(
    column: str, better: Better | None, *, primary: bool, mcid: float | None = None
) -> OutcomeSpec:
    label, unit, direction = WEARABLE[column]
    return OutcomeSpec(
        id=column, label=label, unit=unit, better=better or direction, mcid=mcid,
        primary=primary,
    )


def _log_scale(spec: OutcomeSpec, declared: Sequence[str]) -> OutcomeSpec:
    from dataclasses import replace

    if spec.id not in LOG_SCALE and spec.id not in declared:
        return spec
    return replace(spec, log_offset=LOG_OFFSET, mcid=None)


def _exertion_source(rows: pd.DataFrame, outcome: str, exertion: str | None) -> str | None:
    if exertion == "auto":
        return default_source(rows, outcome)
    if exertion is None or exertion == outcome:
        return None
    if exertion not in rows.columns or not rows[exertion].notna().any():
        raise DataError(f"no values of exertion column {exertion!r} in the table",
                        column=exertion)
    return exertion


def _primary(spec: OutcomeSpec, primary: bool) -> OutcomeSpec:
    from dataclasses import replace

    return replace(spec, primary=primary)


def _arm_labels(protocol: Protocol | None) -> dict[str, str]:
    if protocol is None:
        return {}
    labels = {arm.id: arm.label for arm in protocol.arms}
    labels[PLACEBO] = protocol.placebo.label
    return labels


def _events(rows: pd.DataFrame, protocol: Protocol | None) -> list[tuple[str, str]]:
    """The protocol's adverse events in its order, then any other id the diary recorded."""
    if "side_effects" not in rows.columns:
        return []
    named = [(e.id, e.label) for e in protocol.adverse_events] if protocol is not None else []
    seen = {e for e, _ in named}
    extra = [(e, e.replace("_", " ").capitalize()) for e in event_ids(rows) if e not in seen]
    return named + extra


def _shape(periods: Sequence[PeriodFacts], protocol: Protocol | None, washout: int) -> TrialShape:
    randomised = [p for p in periods if p.randomised]
    if not randomised:
        raise DataError("the table has no randomised period (only the run-in)", column="period")
    arms = sorted({p.arm for p in randomised}, key=lambda a: (a != PLACEBO, a))
    blocks = len({p.pair for p in randomised})
    word = protocol.block_word if protocol is not None else ("pair" if len(arms) == 2 else "block")
    run_in = sum(p.last_day - p.first_day + 1 for p in periods if p.arm == RUN_IN)
    return TrialShape(
        run_in_days=run_in,
        periods=len(randomised),
        blocks=blocks,
        block_word=word,
        period_days=tuple(sorted({p.last_day - p.first_day + 1 for p in randomised})),
        washout_days=washout,
        total_days=max(p.last_day for p in periods) - min(p.first_day for p in periods) + 1,
        arms=tuple(arms),
    )


def _blinding(
    guesses: Sequence[str | None] | None, periods: Sequence[PeriodFacts]
) -> tuple[dict[str, BlindingIndex] | None, tuple[str | None, ...] | None, str]:
    if guesses is None:
        return None, None, "the participant's guesses of each period's arm were not recorded"
    truth = [p.arm for p in periods if p.randomised]
    guessed = tuple(guesses)
    try:
        return bang_index(guessed, truth, placebo=PLACEBO), guessed, ""
    except Nof1Error as error:
        if "no period has a blinding guess" in str(error):
            return None, guessed, "no period has a guess"
        raise


def _title(
    title: str | None, protocol: Protocol | None, pid: str, labels: Mapping[str, str],
    shape: TrialShape,
) -> str:
    if title is None:
        if protocol is not None:
            title = f"{protocol.title}: participant {pid}"
        else:
            active = " and ".join(labels.get(a, a) for a in shape.active_arms)
            title = f"n-of-1 trial of {active} against placebo: participant {pid}"
    # CENT item 1a: the title says it is an n-of-1 trial
    return title if "n-of-1" in title.lower() else f"{title} (an n-of-1 trial)"


def spans(periods: Sequence[PeriodFacts], washout: int) -> list[Any]:
    """The periods as the plots draw them."""
    from nof1.report.plots import Span

    return [
        Span(
            first_day=p.first_day,
            last_day=p.last_day,
            period=p.period,
            pair=p.pair,
            arm=p.arm if p.randomised else None,
            label=f"Period {p.period}: {p.label}" if p.randomised else p.label,
            washout_days=washout if p.randomised else 0,
        )
        for p in periods
    ]


def _plots(
    rows: pd.DataFrame,
    reports: list[OutcomeReport],
    periods: Sequence[PeriodFacts],
    shape: TrialShape,
    events: Sequence[tuple[str, str]],
) -> tuple[list[OutcomeReport], dict[str, Any]]:
    from nof1.report import plots

    drawn = spans(periods, shape.washout_days)
    figures: dict[str, Any] = {"timeline": plots.timeline(drawn)}
    randomised = [p for p in periods if p.randomised]
    if events and all(p.harms_recorded is not None for p in randomised):
        figures["harms"] = plots.harms_by_period(
            [f"{p.period}: {p.label}" for p in randomised],
            {label: [p.harms[e] for p in randomised] for e, label in events},
            [p.harms_recorded or 0 for p in randomised],
        )
    return [with_plots(r, rows, drawn) if r.analysed else r for r in reports], figures
