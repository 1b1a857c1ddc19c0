"""A server case is only what the app made: its schema compared with what this version makes.

As for a case file (casefile.check_schema), the expected schema is not a list kept by hand:
the SQLite migration steps are translated (dialect.translate) and created as temporary
tables in a transaction that is rolled back, and both are described from PostgreSQL's own
catalog in the same words. Anything in the case's schema that differs, or that could run
code when a reviewer reads or writes (a trigger, rule, row-security policy, function,
operator, type, check constraint, index expression, column default, inheritance), is
refused in one sentence naming it, before any of the case's data is read.

``fingerprint`` is the same description hashed in one query: each write transaction
compares it with the one checked at open, so something planted while a reviewer works
is refused at their next change.
"""

from __future__ import annotations

import re

from .. import dialect, schema

# One line per thing in a namespace (%(ns)s: its oid), in words that do not depend on
# which namespace it is: names of our own schema or of a temporary one are cut out below.
DESCRIBE = """
WITH rel AS (SELECT c.oid, c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = %(ns)s)
SELECT 'relation ' || relname || ' kind=' || relkind::text || ' rls=' || relrowsecurity || '/' || relforcerowsecurity
       || ' partition=' || relispartition
  FROM pg_class WHERE relnamespace = %(ns)s
UNION ALL
SELECT 'column ' || r.relname || '.' || a.attname || ' #' || row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum)
       || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text
       || ' generated=' || a.attgenerated::text || ' collation=' || coalesce(co.collname, '-')
       || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
  LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
  WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT 'constraint ' || r.relname || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
       || ' deferrable=' || c.condeferrable
  FROM pg_constraint c JOIN rel r ON r.oid = c.conrelid
UNION ALL
SELECT 'constraint on type ' || t.typname || ' ' || c.conname
  FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid WHERE t.typnamespace = %(ns)s
UNION ALL
SELECT 'index ' || r.relname || ' ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN rel r ON r.oid = i.indrelid
UNION ALL
SELECT 'sequence ' || r.relname || ' ' || format_type(s.seqtypid, NULL) || ' ' || s.seqstart || ' ' || s.seqincrement
       || ' ' || s.seqmin || ' ' || s.seqmax || ' cycle=' || s.seqcycle
  FROM pg_sequence s JOIN rel r ON r.oid = s.seqrelid
UNION ALL
SELECT 'trigger ' || r.relname || ' ' || t.tgname || ' enabled=' || t.tgenabled::text FROM pg_trigger t
  JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
UNION ALL
SELECT 'rule ' || r.relname || ' ' || w.rulename FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class
UNION ALL
SELECT 'policy ' || r.relname || ' ' || p.polname FROM pg_policy p JOIN rel r ON r.oid = p.polrelid
UNION ALL
SELECT 'inheritance ' || inhrelid::regclass::text || ' ' || inhparent::regclass::text FROM pg_inherits
  WHERE inhrelid IN (SELECT oid FROM rel) OR inhparent IN (SELECT oid FROM rel)
UNION ALL
SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = %(ns)s
UNION ALL
SELECT 'operator ' || oprname FROM pg_operator WHERE oprnamespace = %(ns)s
UNION ALL
SELECT 'type ' || t.typname || ' kind=' || t.typtype::text FROM pg_type t WHERE t.typnamespace = %(ns)s
  AND t.typrelid NOT IN (SELECT oid FROM rel)
  AND NOT (t.typcategory = 'A' AND t.typelem IN (SELECT oid FROM pg_type WHERE typrelid IN (SELECT oid FROM rel)))
UNION ALL
SELECT 'collation ' || collname FROM pg_collation WHERE collnamespace = %(ns)s
UNION ALL
SELECT 'conversion ' || conname FROM pg_conversion WHERE connamespace = %(ns)s
UNION ALL
SELECT 'operator class ' || opcname FROM pg_opclass WHERE opcnamespace = %(ns)s
UNION ALL
SELECT 'operator family ' || opfname FROM pg_opfamily WHERE opfnamespace = %(ns)s
UNION ALL
SELECT 'text search configuration ' || cfgname FROM pg_ts_config WHERE cfgnamespace = %(ns)s
UNION ALL
SELECT 'text search dictionary ' || dictname FROM pg_ts_dict WHERE dictnamespace = %(ns)s
UNION ALL
SELECT 'text search parser ' || prsname FROM pg_ts_parser WHERE prsnamespace = %(ns)s
UNION ALL
SELECT 'text search template ' || tmplname FROM pg_ts_template WHERE tmplnamespace = %(ns)s
UNION ALL
SELECT 'extension ' || extname FROM pg_extension WHERE extnamespace = %(ns)s
UNION ALL
SELECT 'statistics ' || stxname FROM pg_statistic_ext WHERE stxnamespace = %(ns)s
"""
# Cheap enough for every write transaction (about a millisecond): which catalog rows describe
# our schema, and which transaction last wrote each. Any DDL on it (a trigger, rule, policy,
# constraint, default, index, column, object) writes a new row version, so the value changes
# and the whole description is compared again; a change that is harmless (a GRANT) passes.
FINGERPRINT = """
WITH rel AS (SELECT oid, xmin FROM pg_class WHERE relnamespace = %(ns)s)
SELECT md5(concat_ws('|',
  (SELECT string_agg(oid::text || ':' || xmin::text, ',' ORDER BY oid) FROM rel),
  (SELECT string_agg(attrelid::text || ':' || attnum || ':' || xmin::text, ',' ORDER BY attrelid, attnum)
     FROM pg_attribute WHERE attrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(oid::text || ':' || xmin::text, ',' ORDER BY oid) FROM pg_trigger
     WHERE tgrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(oid::text || ':' || xmin::text, ',' ORDER BY oid) FROM pg_rewrite
     WHERE ev_class IN (SELECT oid FROM rel)),
  (SELECT string_agg(oid::text || ':' || xmin::text, ',' ORDER BY oid) FROM pg_policy
     WHERE polrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(oid::text || ':' || xmin::text, ',' ORDER BY oid) FROM pg_constraint
     WHERE conrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(oid::text || ':' || xmin::text, ',' ORDER BY oid) FROM pg_attrdef
     WHERE adrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(indexrelid::text || ':' || xmin::text, ',' ORDER BY indexrelid) FROM pg_index
     WHERE indrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(inhrelid::text || ':' || inhparent::text, ',' ORDER BY inhrelid) FROM pg_inherits
     WHERE inhrelid IN (SELECT oid FROM rel) OR inhparent IN (SELECT oid FROM rel)),
  (SELECT count(*) FROM pg_proc WHERE pronamespace = %(ns)s),
  (SELECT count(*) FROM pg_type WHERE typnamespace = %(ns)s),
  (SELECT count(*) FROM pg_operator WHERE oprnamespace = %(ns)s),
  (SELECT xmin FROM pg_namespace WHERE oid = %(ns)s)))
"""
_QUALIFIED = re.compile(r'\b(?:pg_temp(?:_\d+)?|"?' + dialect.SCHEMA + r'"?)\.')


def _clean(line: str) -> str:
    return _QUALIFIED.sub("", line)


def describe(raw, namespace_oid: int) -> set[str]:
    """What a namespace holds, one line per thing (``raw``: a psycopg connection)."""
    return {_clean(row[0]) for row in raw.execute(DESCRIBE, {"ns": namespace_oid})}


def fingerprint(raw, namespace_oid: int) -> str:
    return raw.execute(FINGERPRINT, {"ns": namespace_oid}).fetchone()[0]


_EXPECTED: dict[tuple[int, int], set[str]] = {}
_TRANSLATED: dict[int, dialect.ServerSchema] = {}


def translated(version: int) -> dialect.ServerSchema:
    found = _TRANSLATED.get(version)
    if found is None:
        conn = schema.expected_connection(version)
        try:
            found = _TRANSLATED[version] = dialect.translate(conn, version)
        finally:
            conn.close()
    return found


def expected(raw, version: int) -> set[str]:
    """The description of format ``version`` as this server makes it: built as temporary
    tables inside a transaction that is then rolled back (needs only the TEMPORARY right)."""
    key = (raw.info.server_version, version)
    found = _EXPECTED.get(key)
    if found is not None:
        return found
    raw.execute("BEGIN READ WRITE")
    try:
        for statement in dialect.server_ddl(translated(version), "pg_temp"):
            raw.execute(statement)
        ns = raw.execute("SELECT pg_my_temp_schema()::oid").fetchone()[0]
        found = describe(raw, ns)
    finally:
        raw.execute("ROLLBACK")
    _EXPECTED[key] = found
    return found


def _order(line: str) -> tuple[int, str]:
    kinds = ("relation", "trigger", "rule", "policy", "function", "operator", "inheritance", "column",
             "constraint", "index")
    first = line.split(" ", 1)[0]
    return (kinds.index(first) if first in kinds else len(kinds), line)


_RELKINDS = {"r": "table", "v": "view", "m": "materialized view", "S": "sequence", "i": "index",
             "f": "foreign table", "p": "partitioned table", "c": "composite type", "I": "partitioned index"}


def difference(actual: set[str], wanted: set[str]) -> str | None:
    """What makes the case's schema differ from the expected one, in words; or None."""
    extra = sorted(actual - wanted, key=_order)
    if extra:
        return f"{_words(extra[0])} that bwv-review does not make"
    missing = sorted(wanted - actual, key=_order)
    if missing:
        return f"no {_words(missing[0])}, which bwv-review makes"
    return None


def _words(line: str) -> str:
    kind, _, rest = line.partition(" ")
    if kind == "relation":
        name, _, flags = rest.partition(" kind=")
        letter, _, settings = flags.partition(" ")
        settings = settings.replace("rls=", "row-level security on/forced: ").replace(" partition=", ", partition: ")
        return f"a {_RELKINDS.get(letter, 'relation')} {name!r} ({settings})"
    if kind in ("column", "index", "sequence", "constraint"):
        return f"a {kind} {rest}"
    return f"a {kind} {rest!r}"
