from datetime import date, timedelta

from bwv_review.core import backup
from bwv_review.core.evidence import verify_case
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore


def test_open_keeps_one_backup_a_day_and_prunes(case, user_home):
    path = case.path
    made = backup.backups(path)
    assert len(made) == 1  # the open right after creation
    assert str(made[0]).startswith(str(user_home))
    case.add_annotation(Annotation(exhibit_id=case.exhibit("AB/1").id,
                                   category_id=case.category("other").id, start_ms=5, text="later"), "me")
    case.close()
    CaseStore.open(path).close()
    assert backup.backups(path) == made  # once a day only
    with CaseStore.open(path, readonly=True) as store:
        assert verify_case(store) == []
        for n in range(10):
            backup.daily_backup(store.db.conn, path, today=date(2030, 1, 1) + timedelta(days=n))
    kept = backup.backups(path)
    assert len(kept) == backup.KEEP
    assert kept[-1].name == "2030-01-10.bwvcase"
    with CaseStore.open(kept[-1], readonly=True) as old:
        assert [a.text for a in old.annotations()] == ["later"]
        assert verify_case(old) != []  # footage is not beside the backup: reported as missing


def test_backup_failure_never_stops_the_case_opening(case, user_home, monkeypatch):
    path = case.path
    case.close()
    monkeypatch.setattr(backup, "backup_folder", lambda p: user_home / "file-not-folder" / "x")
    (user_home / "file-not-folder").write_text("in the way")
    CaseStore.open(path).close()
