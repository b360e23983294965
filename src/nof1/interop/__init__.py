"""Standard exports of a trial: FHIR R5, CDISC ODM 1.3.2 and REDCap, and REDCap back in.

Each export is a pure function of a `Protocol` and a canonical daily table (see
`nof1.data`), with optional `StudyMetadata`; bad input raises `nof1.exceptions.DataError`.
`fhir.resources` is imported only when a FHIR export runs. See docs/interop.md.
"""

from nof1.interop._table import StudyMetadata
from nof1.interop.fhir import WEARABLES, fhir_bundle, fhir_json
from nof1.interop.odm import odm_xml
from nof1.interop.redcap import (
    RedcapOutcome,
    read_redcap,
    redcap_dictionary,
    redcap_files,
    redcap_records,
    write_redcap,
)

__all__ = [
    "WEARABLES",
    "RedcapOutcome",
    "StudyMetadata",
    "fhir_bundle",
    "fhir_json",
    "odm_xml",
    "read_redcap",
    "redcap_dictionary",
    "redcap_files",
    "redcap_records",
    "write_redcap",
]
