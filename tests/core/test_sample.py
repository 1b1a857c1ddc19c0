from importlib import resources

from bwv_review.core.evidence import verify_case
from bwv_review.core.sample import ANNOTATIONS, open_sample_case, sample_case_path


def test_sample_footage_is_small_and_short():
    folder = resources.files("bwv_review.resources").joinpath("sample")
    total = sum(folder.joinpath(n).stat().st_size if hasattr(folder.joinpath(n), "stat") else
                len(folder.joinpath(n).read_bytes()) for n in ("AB-1.mp4", "CD-1.mp4"))
    assert total < 2_000_000


def test_sample_case_is_built_in_the_data_folder_and_reopened(user_home):
    store = open_sample_case()
    assert store.path == sample_case_path()
    assert str(store.path).startswith(str(user_home))
    assert [e.ref for e in store.exhibits()] == ["AB/1", "CD/1"]
    assert [e.duration_ms for e in store.exhibits()] == [34_000, 30_800]
    assert len(store.annotations()) == len(ANNOTATIONS)
    assert verify_case(store) == []
    store.add_annotation(store.annotations()[0].__class__(
        exhibit_id=store.exhibit("AB/1").id, category_id=store.category("other").id, start_ms=1000,
        text="my practice note"), "me")
    store.close()
    again = open_sample_case()
    assert "my practice note" in [a.text for a in again.annotations()]
    again.close()
