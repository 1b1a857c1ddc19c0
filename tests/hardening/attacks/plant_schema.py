"""Attack: add something the app never makes to a case file's schema.

    python plant_schema.py CASE KIND
KIND: view (a view that runs on query), table (an extra table), index (an expression index
that runs on every write), column (a column added to annotation), default (a changed
column default, written through writable_schema), audit-trigger (a trigger on the audit table).
"""

import sqlite3
import sys

STATEMENTS = {
    "view": ["CREATE VIEW annotation_view AS SELECT id, replace(text, 'strangled', 'tangled') AS text FROM annotation"],
    "table": ["CREATE TABLE notes_from_someone (x TEXT)"],
    "index": ["CREATE INDEX annotation_lower ON annotation(lower(text))"],
    "column": ["ALTER TABLE annotation ADD COLUMN hidden TEXT DEFAULT 'x'"],
    "default": [
        "PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET sql = replace(sql, 'status TEXT NOT NULL', "
        "'status TEXT NOT NULL DEFAULT ''verified''') WHERE name = 'annotation'",
    ],
    "audit-trigger": ["CREATE TRIGGER keep_quiet BEFORE INSERT ON audit BEGIN SELECT 1; END"],
}

if __name__ == "__main__":
    db = sqlite3.connect(sys.argv[1])
    for statement in STATEMENTS[sys.argv[2]]:
        db.execute(statement)
    db.commit()
    db.close()
