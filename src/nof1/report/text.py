"""The fixed parts of a report: the sources its clinical sentences rest on, and names.

Every clinical fact in a report comes from the nof1 domain brief (ldn-mecfs.md) and is cited
by one of the keys below; the templates cite with `cite(key)` and list `REFERENCES` at the end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    key: str
    short: str  # how the text cites it: "Bolton et al. 2020"
    citation: str  # the full entry in the reference list
    link: str = ""  # doi or web address, shown as written


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "bolton2020",
        "Bolton et al. 2020",
        "Bolton MJ, Chapman BP, van Marwijk H. Low-dose naltrexone as a treatment for chronic "
        "fatigue syndrome. BMJ Case Reports 2020;13:e232502.",
        "doi 10.1136/bcr-2019-232502",
    ),
    Reference(
        "polo2019",
        "Polo et al. 2019",
        "Polo et al. 2019. Low-dose naltrexone in ME/CFS: a retrospective chart review.",
        "doi 10.1080/21641846.2019.1692770",
    ),
    Reference(
        "toljan2018",
        "Toljan and Vrooman 2018",
        "Toljan K, Vrooman B. Low-dose naltrexone (LDN): review of therapeutic utilization. "
        "Medical Sciences 2018.",
        "doi 10.3390/medsci6040082",
    ),
    Reference(
        "cho2005",
        "Cho et al. 2005",
        "Cho et al. 2005. Placebo response pooled across chronic fatigue syndrome trials "
        "(as cited in the nof1 domain brief).",
    ),
    Reference(
        "moore2023",
        "Moore et al. 2023",
        "Moore et al. 2023. ME/CFS diary study: symptom scores before any intervention, and "
        "recovery after exertion (as cited in the nof1 domain brief).",
    ),
    Reference(
        "younger2009",
        "Younger and Mackey 2009",
        "Younger J, Mackey S. Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot "
        "study. Pain Medicine 2009.",
        "PMID 19453963",
    ),
    Reference(
        "farrar2001",
        "Farrar et al. 2001",
        "Farrar JT, et al. Clinical importance of changes in chronic pain intensity measured on "
        "an 11-point numerical pain rating scale. Pain 2001.",
        "doi 10.1016/S0304-3959(01)00349-9",
    ),
    Reference(
        "dreams",
        "PMID 40337423",
        "Low-dose naltrexone in fibromyalgia randomised trials pooled: vivid dreams more common "
        "than with placebo.",
        "PMID 40337423",
    ),
    Reference(
        "nct05430152",
        "NCT05430152",
        "ClinicalTrials.gov NCT05430152: low-dose naltrexone with matching placebo capsules of "
        "cellulose filler.",
        "https://clinicaltrials.gov/study/NCT05430152",
    ),
    Reference(
        "bang2004",
        "Bang et al. 2004",
        "Bang H, Ni L, Davis CE. Assessment of blinding in clinical trials. Controlled Clinical "
        "Trials 2004;25:143-156.",
        "doi 10.1016/j.cct.2003.10.016",
    ),
    Reference(
        "edgington2007",
        "Edgington and Onghena 2007",
        "Edgington ES, Onghena P. Randomization Tests, 4th edition. Chapman and Hall/CRC, 2007.",
    ),
    Reference(
        "cent2015",
        "Vohra et al. 2015",
        "Vohra S, Shamseer L, Sampson M, et al. CONSORT extension for reporting N-of-1 trials "
        "(CENT) 2015 statement. BMJ 2015;350:h1738.",
        "doi 10.1136/bmj.h1738",
    ),
    Reference(
        "brief",
        "nof1 domain brief",
        "nof1 domain brief: low-dose naltrexone n-of-1 trials in ME/CFS (docs and "
        "shared/domain/ldn-mecfs.md), a secondary summary of the sources above.",
    ),
    Reference(
        "statistics",
        "nof1 statistical methods",
        "nof1 documentation, Statistical methods (docs/statistics.md): the single-patient "
        "model, the series model and the randomisation test, with their validation.",
    ),
)

_BY_KEY = {ref.key: ref for ref in REFERENCES}


def cite(*keys: str) -> str:
    """'(Bolton et al. 2020; Polo et al. 2019)': the in-text citation of reference keys."""
    return "(" + "; ".join(_BY_KEY[key].short for key in keys) + ")"


# Case definitions of ME/CFS and whether each requires post-exertional malaise (brief, sec. 7).
CASE_DEFINITIONS: tuple[tuple[str, bool], ...] = (
    ("Oxford 1991", False),
    ("Fukuda (CDC) 1994", False),
    ("Canadian Consensus Criteria 2003", True),
    ("International Consensus Criteria 2011", True),
    ("IOM/NAM 2015 (SEID)", True),
)
