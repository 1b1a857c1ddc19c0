"""The team-case tests' own fixtures; the shared PostgreSQL ones (pg_server, pg_database,
server_case) live in tests/pgcases.py, so tests elsewhere can run against a server too."""

from __future__ import annotations

import pytest

from tests.pgcases import REVIEWERS, REVIEWERS_ROLE  # noqa: F401 - the team tests import them from here
from tests.pgserver import Cluster, bin_dir


@pytest.fixture
def own_server():
    """A server this test may stop or kill: the shared one must stay up for the others."""
    pytest.importorskip("psycopg")
    if bin_dir() is None:
        pytest.skip("PostgreSQL's initdb is not installed (Debian's postgresql package)")
    cluster = Cluster(fsync=True).start()
    yield cluster
    cluster.remove()
