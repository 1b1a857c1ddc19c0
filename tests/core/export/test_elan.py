"""ELAN files written by ELAN itself, imported and exported again as ELAN writes them.

The ELAN demo document (tests/data/elan, from pympi-ling's PyPI source distribution, see
SOURCES.md) has time-aligned tiers with LANG_REF, and dependent tiers of every kind ELAN
makes: Time_Subdivision, Symbolic_Subdivision, Included_In and Symbolic_Association.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from pympi import Elan

from bwv_review.core.errors import ReviewError
from bwv_review.core.evidence import import_footage
from bwv_review.core.export import ExportOptions, export_case
from bwv_review.core.export.importer import import_file
from bwv_review.core.store import CaseStore
from tests.footage import write_clip

from .conftest import GENERATED

DATA = Path(__file__).resolve().parents[2] / "data" / "elan"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(DATA / "EAFv3.0.xsd"))


@pytest.fixture(scope="module")
def twenty_minutes(tmp_path_factory):
    """Footage as long as ELAN's demo document (20 minutes, 1 frame a second, tiny)."""
    return write_clip(tmp_path_factory.mktemp("long") / "demo.mp4", frames=20 * 60 + 2, fps=1, size=(64, 48))


@pytest.fixture
def demo_case(tmp_path, twenty_minutes):
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "demo.mp4").write_bytes(twenty_minutes.read_bytes())
    store = CaseStore.create(folder / "demo.bwvcase", "ELAN demo", "DEMO 1", "Linguist")
    import_footage(store, folder / "demo.mp4", "AB/1", "Linguist")
    yield store
    store.close()


def _unzip(name: str, folder: Path) -> Path:
    path = folder / name.removesuffix(".gz")
    path.write_bytes(gzip.decompress((DATA / name).read_bytes()))
    return path


def _tiers(path: Path) -> dict[str, dict]:
    """{tier id: {"parent", "annotations": [(start, end, value) or (None, None, value)]}} as written."""
    root = ET.parse(path).getroot()
    slots = {s.get("TIME_SLOT_ID"): s.get("TIME_VALUE") for s in root.iter("TIME_SLOT")}
    out = {}
    for tier in root.iter("TIER"):
        anns = []
        for ann in tier.iterfind("ANNOTATION/*"):
            value = "".join(ann.find("ANNOTATION_VALUE").itertext())
            if ann.tag == "ALIGNABLE_ANNOTATION":
                t1, t2 = slots[ann.get("TIME_SLOT_REF1")], slots[ann.get("TIME_SLOT_REF2")]
                anns.append((int(t1) if t1 else None, int(t2) if t2 else None, value))
            else:
                anns.append((None, None, value))
        out[tier.get("TIER_ID")] = {"parent": tier.get("PARENT_REF"), "annotations": anns,
                                    "lang": tier.get("LANG_REF")}
    return out


@pytest.mark.parametrize("name", ["sample_3.0.eaf.gz", "sample_2.7.eaf.gz"])
def test_an_elan_document_comes_in_whole_and_goes_back_out_as_elan_wrote_it(demo_case, tmp_path, schema, name):
    original = _unzip(name, tmp_path)
    result = import_file(demo_case, original, "Second Reviewer", exhibit_ref="AB/1", tiers="speaker")
    before = _tiers(original)
    top = {tid: t for tid, t in before.items() if t["parent"] is None}
    assert len(result.added) == sum(len(t["annotations"]) for t in top.values())
    summary = "\n".join(result.summary)
    for tid in before:  # every tier is said to have come in, or how
        assert repr(tid) in summary, tid
    assert "(Time_Subdivision of 'text')" in summary and "their own times are not kept" in summary
    assert "controlled vocabulary" in summary  # what did not come in is said too

    out = tmp_path / "again.eaf"
    export_case(demo_case, "eaf", out, ExportOptions(exhibit="AB/1"), generated=GENERATED)
    schema.validate(str(out))  # ELAN's own schema
    after = _tiers(out)
    for tid, tier in top.items():  # tier names, times and words as they were
        assert after[tid]["annotations"] == tier["annotations"], tid
        assert after[tid]["lang"] == tier["lang"]
    for tid, tier in before.items():
        if tier["parent"] is None or not any(v for *_t, v in tier["annotations"]):
            continue
        # Dependent tiers come back as dependents of the top-level tier, values in order.
        assert after[tid]["parent"] in top, tid
        assert [v for *_t, v in after[tid]["annotations"] if v] == [v for *_t, v in tier["annotations"] if v], tid
    root = ET.parse(out).getroot()
    props = {p.get("NAME"): p.text for p in root.iter("PROPERTY")}
    assert int(props["lastUsedAnnotationId"]) == len(root.findall(".//ANNOTATION"))
    assert props["URN"].startswith("urn:nl-mpi-tools-elan-eaf:")
    assert Elan.Eaf(str(out)).get_tier_names()  # and pympi, which linguists script with, reads it


def test_importing_our_own_export_again_changes_nothing(demo_case, tmp_path):
    import_file(demo_case, _unzip("sample_3.0.eaf.gz", tmp_path), "R", exhibit_ref="AB/1", tiers="speaker")
    first = [(a.start_ms, a.end_ms, a.speaker, a.text, a.note) for a in demo_case.annotations()]
    out = tmp_path / "ours.eaf"
    export_case(demo_case, "eaf", out, ExportOptions(exhibit="AB/1"), generated=GENERATED)
    again = import_file(demo_case, out, "R", exhibit_ref="AB/1").added
    assert sorted((a.start_ms, a.end_ms, a.speaker, a.text, a.note) for a in again) == sorted(first)


ELAN_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2019-08-02T10:00:00+01:00" FORMAT="3.0" VERSION="3.0"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">
<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"><PROPERTY NAME="lastUsedAnnotationId">9</PROPERTY></HEADER>
<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="100"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="900"/>
<TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1000"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="1500"/></TIME_ORDER>
"""
ELAN_TYPES = """<LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="phrase" TIME_ALIGNABLE="true"/>
<LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="ft" TIME_ALIGNABLE="false"/>
<LANGUAGE LANG_ID="eng" LANG_LABEL="English (eng)"/>
<CONSTRAINT DESCRIPTION="1-1 association with a parent annotation" STEREOTYPE="Symbolic_Association"/>
</ANNOTATION_DOCUMENT>"""


def _elan(tmp_path: Path, tiers: str, name: str = "x.eaf") -> Path:
    path = tmp_path / name
    path.write_text(ELAN_HEADER + tiers + ELAN_TYPES, encoding="utf-8")
    return path


def test_participant_annotator_language_and_translation_are_kept(case, tmp_path, schema):
    path = _elan(tmp_path, """
<TIER LINGUISTIC_TYPE_REF="phrase" PARTICIPANT="RC" ANNOTATOR="Linguist B" LANG_REF="eng" TIER_ID="RC_phrase">
 <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
  <ANNOTATION_VALUE>He <b>strangled</b> me.</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
</TIER>
<TIER LINGUISTIC_TYPE_REF="ft" PARENT_REF="RC_phrase" TIER_ID="RC-ft">
 <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a2" ANNOTATION_REF="a1"><ANNOTATION_VALUE>Il m'a étranglée.</ANNOTATION_VALUE>
 </REF_ANNOTATION></ANNOTATION>
</TIER>""")
    result = import_file(case, path, "R", exhibit_ref="AB/1")
    (a,) = result.added
    assert (a.speaker, a.reviewer, a.text) == ("RC", "Linguist B", "He strangled me.")  # words in child elements too
    assert a.note == ("[ELAN] tier RC_phrase; language eng (English (eng))\n"
                      "[ELAN] RC-ft (Symbolic_Association): Il m'a étranglée.")
    out = tmp_path / "back.eaf"
    export_case(case, "eaf", out, ExportOptions(), generated=GENERATED)
    schema.validate(str(out))
    tiers = _tiers(out)
    assert tiers["RC_phrase"]["annotations"] == [(100, 900, "He strangled me.")]
    assert tiers["RC_phrase"]["lang"] == "eng"
    assert tiers["RC-ft"] == {"parent": "RC_phrase", "annotations": [(None, None, "Il m'a étranglée.")], "lang": None}
    root = ET.parse(out).getroot()
    tier = next(t for t in root.iter("TIER") if t.get("TIER_ID") == "RC_phrase")
    assert tier.get("PARTICIPANT") == "RC"


@pytest.mark.parametrize(("tiers", "message"), [
    ("""<TIER LINGUISTIC_TYPE_REF="phrase" TIER_ID="W"></TIER><TIER LINGUISTIC_TYPE_REF="phrase" TIER_ID="W"></TIER>""",
     "two tiers have the TIER_ID 'W'"),
    ("""<TIER LINGUISTIC_TYPE_REF="phrase" TIER_ID="W"><ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1"
        TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts9"><ANNOTATION_VALUE>x</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>
        </ANNOTATION></TIER>""", "time slot 'ts9', which is not there"),
    ("""<TIER LINGUISTIC_TYPE_REF="ft" PARENT_REF="nowhere" TIER_ID="T"></TIER>""", "tier 'nowhere', which is not there"),
])
def test_a_broken_elan_file_is_refused_naming_the_fault(case, tmp_path, tiers, message):
    path = _elan(tmp_path, tiers)
    before = (case.annotations(), case.audit_head())
    with pytest.raises(ReviewError, match=message):
        import_file(case, path, "R", exhibit_ref="AB/1")
    assert (case.annotations(), case.audit_head()) == before


def test_an_unreadable_time_is_refused_naming_it(case, tmp_path):
    path = _elan(tmp_path, "").with_name("bad-time.eaf")
    path.write_text((ELAN_HEADER + ELAN_TYPES).replace('TIME_VALUE="900"', 'TIME_VALUE="nine hundred"'), "utf-8")
    with pytest.raises(ReviewError, match="time slot 'ts2' has the value 'nine hundred'"):
        import_file(case, path, "R", exhibit_ref="AB/1")
