"""The medicines a participant must be screened for before low-dose naltrexone (LDN).

Naltrexone is an opioid antagonist: it blocks opioid medicines and is contraindicated while
they are taken. This module names those medicines (generic names, brands, combination
products), the rule each triggers and the source of that rule, and finds them in what a
person typed ("Co-Codamol 30/500mg tablets").

Matching is case-, spacing- and punctuation-insensitive and whole-word: a name matches only a
run of whole words ("co-codamol", "co codamol" and "cocodamol" are the same name; "Morphinella"
is not morphine). A name followed by "free" ("codeine-free cough syrup") is not trusted either
way: it goes to the clinician for review. Anything not in the table is *unrecognised*, never
silently safe: the table lists what triggers a rule, so paracetamol is unrecognised too.

Facts rest on the domain brief (shared/domain/ldn-mecfs.md, section 3) and the sources named
there; which medicine is an opioid, and which brand holds which ingredient, is the standard
pharmacological classification. Names we were not sure of are left out, not guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "MEDICINES",
    "MEDICINE_RULES",
    "Medicine",
    "MedicineMatch",
    "MedicineRule",
    "Sources",
    "Status",
    "lookup_medicine",
    "normalise",
]


class Status(StrEnum):
    """A screening outcome. Ordered: when several apply, the worst wins."""

    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs-review"
    INELIGIBLE = "ineligible"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def worst(cls, statuses: Iterable[Status]) -> Status:
        """The worst of `statuses`; ELIGIBLE when there are none."""
        return max(statuses, key=lambda s: s.rank, default=cls.ELIGIBLE)


_RANK = {Status.ELIGIBLE: 0, Status.NEEDS_REVIEW: 1, Status.INELIGIBLE: 2}


class Sources:
    """Where each rule comes from, as it is shown to the clinician."""

    BRIEF = "nof1 domain brief ldn-mecfs.md, section 3"
    LABEL = "US naltrexone label"
    VIVITROL = "US naltrexone label (Vivitrol, api.fda.gov)"
    CURRENT_OPIOIDS = f"{VIVITROL}: contraindications, current opioid analgesics"
    OPIOID_MAINTENANCE = (
        f"{VIVITROL}: contraindications, current opioid analgesics and opioid dependence "
        "including methadone or buprenorphine maintenance"
    )
    DRUGS_COM = (
        "drugs.com interaction monograph (naltrexone with tramadol or tapentadol: "
        "reduced effect, possible withdrawal)"
    )
    OPIOID_PRODUCTS = (
        f"{VIVITROL}: drug interactions, naltrexone blocks opioid-containing cough and cold, "
        "antidiarrhoeal (e.g. diphenoxylate, loperamide) and pain products; flagged for "
        f"clinician review ({BRIEF})"
    )
    NAME_CHECK = (
        "nof1 screening convention: a product name alone cannot rule an opioid in or out, "
        "so the clinician checks the ingredients"
    )


@dataclass(frozen=True)
class MedicineRule:
    """What a matched medicine means for eligibility."""

    id: str
    status: Status
    consequence: str


MEDICINE_RULES: Mapping[str, MedicineRule] = {
    rule.id: rule
    for rule in (
        MedicineRule(
            "current-opioid",
            Status.INELIGIBLE,
            "naltrexone is contraindicated with current opioid analgesics",
        ),
        MedicineRule(
            "opioid-containing-product",
            Status.NEEDS_REVIEW,
            "naltrexone blocks opioid-containing medicines; the clinician reviews it",
        ),
        MedicineRule(
            "brand-may-contain-opioid",
            Status.NEEDS_REVIEW,
            "the clinician checks which product it is",
        ),
        MedicineRule(
            "named-as-free-of",
            Status.NEEDS_REVIEW,
            "the clinician checks the ingredients",
        ),
    )
}


@dataclass(frozen=True)
class Medicine:
    """One ingredient (or one ambiguous brand family) and every name it goes by.

    `synonyms` are other names for the same ingredient (meperidine for pethidine); `products`
    are brands and combination products that contain it.
    """

    name: str
    what: str
    rule: str
    source: str
    synonyms: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms, *self.products)


_OPIOID = "an opioid"
_CONTRA = Sources.CURRENT_OPIOIDS


def _opioid(
    name: str,
    *products: str,
    synonyms: tuple[str, ...] = (),
    what: str = _OPIOID,
    source: str = _CONTRA,
) -> Medicine:
    return Medicine(name, what, "current-opioid", source, synonyms, products)


# fmt: off
MEDICINES: tuple[Medicine, ...] = (
    # -- opioid agonists and partial agonists: contraindicated ---------------------------
    _opioid("tramadol", "Ultram", "Ultracet", "ConZip", "Zydol", "Zamadol", "Tramacet",
            source=f"{_CONTRA}; {Sources.DRUGS_COM}"),
    _opioid("tapentadol", "Nucynta", "Palexia", source=f"{_CONTRA}; {Sources.DRUGS_COM}"),
    _opioid(
        "codeine",
        "co-codamol", "co-codaprin", "Tylenol 3", "Tylenol No 3", "Tylenol 4", "Tylenol No 4",
        "Solpadeine Plus", "Solpadeine Max", "Solpadol", "Kapake", "Zapain", "Tylex",
        "Nurofen Plus", "Panadeine", "Robitussin AC",
    ),
    _opioid("dihydrocodeine", "co-dydramol", "DF118", "DHC Continus"),
    _opioid(
        "buprenorphine",
        "Subutex", "Suboxone", "Zubsolv", "Butrans", "Transtec", "Temgesic", "Sublocade",
        "Buvidal", "Belbuca", "Espranor",
        what="an opioid partial agonist", source=Sources.OPIOID_MAINTENANCE,
    ),
    _opioid("methadone", "Methadose", "Physeptone", "Dolophine",
            source=Sources.OPIOID_MAINTENANCE),
    _opioid(
        "oxycodone",
        "OxyContin", "OxyNorm", "Roxicodone", "Xtampza", "Percocet", "Endocet", "Percodan",
        "Targin", "Endone", "Longtec", "Shortec",
    ),
    _opioid(
        "morphine",
        "MS Contin", "MST Continus", "Oramorph", "Zomorph", "Sevredol", "Morphgesic", "Kadian",
        "Avinza",
    ),
    _opioid("hydrocodone", "Vicodin", "Norco", "Lortab", "Zohydro", "Hysingla"),
    _opioid("hydromorphone", "Dilaudid", "Palladone", "Exalgo", "Jurnista"),
    _opioid(
        "fentanyl",
        "Duragesic", "Durogesic", "Matrifen", "Abstral", "Actiq", "Effentora", "Fentora",
        "Instanyl", "PecFent", "Subsys", "Sublimaze",
    ),
    _opioid("alfentanil"),
    _opioid("remifentanil"),
    _opioid("sufentanil"),
    _opioid("oxymorphone", "Opana"),
    _opioid("pethidine", "Demerol", synonyms=("meperidine",)),
    _opioid("levorphanol"),
    _opioid("diamorphine", synonyms=("heroin",)),
    _opioid("dextropropoxyphene", "co-proxamol", "Darvon", "Darvocet",
            synonyms=("propoxyphene",)),
    _opioid("dipipanone", "Diconal"),
    _opioid("dextromoramide"),
    _opioid("meptazinol", "Meptid", what="an opioid partial agonist"),
    _opioid("pentazocine", "Talwin", what="an opioid agonist-antagonist analgesic"),
    _opioid("butorphanol", "Stadol", what="an opioid agonist-antagonist analgesic"),
    _opioid("nalbuphine", "Nubain", what="an opioid agonist-antagonist analgesic"),
    _opioid("tilidine"),
    _opioid("opium", "laudanum", "paregoric", what="opium, which contains morphine"),
    _opioid("papaveretum", what="a mixture of opium alkaloids including morphine"),
    # -- opioid-containing antidiarrhoeal and cough products: clinician review ----------
    Medicine("loperamide", "an opioid-receptor antidiarrhoeal", "opioid-containing-product",
             Sources.OPIOID_PRODUCTS, products=("Imodium",)),
    Medicine("diphenoxylate", "an opioid-receptor antidiarrhoeal", "opioid-containing-product",
             Sources.OPIOID_PRODUCTS, products=("Lomotil", "co-phenotrope")),
    Medicine("pholcodine", "an opioid cough suppressant", "opioid-containing-product",
             Sources.OPIOID_PRODUCTS),
    # -- brand families where only some products hold an opioid --------------------------
    Medicine("Solpadeine", "a brand of which only some products (Plus, Max) contain codeine",
             "brand-may-contain-opioid", f"{Sources.OPIOID_PRODUCTS}; {Sources.NAME_CHECK}"),
)
# fmt: on


@dataclass(frozen=True)
class MedicineMatch:
    """One medicine found in what a person typed."""

    typed: str  # as the person typed it, trimmed
    medicine: Medicine
    matched: str  # the table's spelling of the name that matched
    rule: MedicineRule

    @property
    def status(self) -> Status:
        return self.rule.status

    @property
    def source(self) -> str:
        if self.rule.id == "named-as-free-of":
            return Sources.NAME_CHECK
        return self.medicine.source

    @property
    def message(self) -> str:
        med = self.medicine
        if self.rule.id == "named-as-free-of":
            return (
                f"{self.typed!r} mentions {self.matched}, {med.what}, but says it is free "
                f"of it: {self.rule.consequence}"
            )
        if med.rule == "brand-may-contain-opioid":
            what = f"is {med.what}"
        elif normalise(self.matched) == normalise(med.name):
            what = f"is {med.name}, {med.what}"
        elif self.matched in med.synonyms:
            what = f"is {med.name} ({self.matched}), {med.what}"
        else:
            what = f"({self.matched}) contains {med.name}, {med.what}"
        return f"{self.typed!r} {what}: {self.rule.consequence}"


def _words(text: str) -> list[str]:
    # Accents and case are dropped, then anything but letters and digits splits words.
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.findall(r"[a-z0-9]+", plain)


def normalise(name: str) -> str:
    """The matching key of a name: lower case, letters and digits only ("Co-Codamol" ->
    "cocodamol")."""
    return "".join(_words(name))


def _index() -> tuple[dict[str, tuple[Medicine, str]], int]:
    index: dict[str, tuple[Medicine, str]] = {}
    for med in MEDICINES:
        for name in med.names:
            key = normalise(name)
            if key in index:
                raise AssertionError(f"medicine name {name!r} is listed twice")
            index[key] = (med, name)
    # A name typed with extra spaces ("oxy contin") spans one more word than it is listed with.
    longest = max(len(_words(name)) for med in MEDICINES for name in med.names) + 1
    return index, longest


_INDEX, _LONGEST = _index()


def lookup_medicine(typed: str) -> list[MedicineMatch]:
    """Every medicine in the table that `typed` names, longest name first, left to right.

    Empty when nothing matches: the caller must treat that as *unrecognised*, not as safe.
    """
    words = _words(typed)
    found: dict[str, MedicineMatch] = {}
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + _LONGEST), i, -1):
            hit = _INDEX.get("".join(words[i:j]))
            if hit is None:
                continue
            med, name = hit
            free_of = j < len(words) and words[j] == "free"
            rule = MEDICINE_RULES["named-as-free-of" if free_of else med.rule]
            previous = found.get(med.name)
            if previous is None or rule.status.rank > previous.rule.status.rank:
                found[med.name] = MedicineMatch(typed.strip(), med, name, rule)
            i = j
            break
        else:
            i += 1
    return list(found.values())
