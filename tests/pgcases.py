"""PostgreSQL fixtures any test may use (imported by tests/conftest.py): a real server
(BWV_TEST_PG_URL, set by .ci/run, else one started here from Debian's postgresql package;
without either the tests that need it are skipped, saying why), a fresh database per test,
and a case on it with reviewers logging in with their own roles."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import pytest

from tests.pgserver import Cluster, bin_dir

REVIEWERS_ROLE = "bwv_test_reviewers"
REVIEWERS = ("reviewer_a", "reviewer_b", "reviewer_c")
_numbers = itertools.count()


@dataclass
class Server:
    admin_url: str  # a role that may create databases and roles
    cluster: Cluster | None

    def url(self, database: str, user: str | None = None) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        if user:
            scheme, _, rest = base.partition("://")
            base = f"{scheme}://{user}@{rest.rpartition('@')[2]}"
        return f"{base}/{database}"

    def admin(self):
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True)


@pytest.fixture(scope="session")
def pg_server():
    pytest.importorskip("psycopg")
    import psycopg

    url = os.environ.get("BWV_TEST_PG_URL")
    cluster = None
    if not url:
        if bin_dir() is None:
            pytest.skip("no PostgreSQL server: set BWV_TEST_PG_URL, or install Debian's postgresql package")
        cluster = Cluster().start()
        url = cluster.url()
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL server reachable at BWV_TEST_PG_URL ({exc})")
    with conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [REVIEWERS_ROLE]).fetchone():
            conn.execute(f"CREATE ROLE {REVIEWERS_ROLE} NOLOGIN")
        for name in REVIEWERS:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone():
                conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE {REVIEWERS_ROLE}")
    yield Server(url, cluster)
    if cluster is not None:
        cluster.remove()


@pytest.fixture
def pg_database(pg_server):
    """A fresh, empty database; dropped afterwards."""
    name = f"bwv_t{os.getpid()}_{next(_numbers)}"
    with pg_server.admin() as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield name
    with pg_server.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def server_case(pg_server, pg_database, footage_copy, user_home):
    """A server case ("Operation Example") made by the owner role, reviewers in their group
    role, footage_copy as exhibit AB/1 in this desktop's media folder for it.
    Yields (owner url, url for reviewer role name)."""
    from bwv_review.core import footage_paths
    from bwv_review.core.cases import create_case
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.pg.url import parse

    owner = pg_server.url(pg_database)
    footage_paths.set_server_root(parse(owner).key, footage_copy.parent)
    store = create_case(owner, "Operation Example", "IOPC 2019/0001", "Lead Investigator", reviewers_role=REVIEWERS_ROLE)
    import_footage(store, footage_copy, "AB/1", "Lead Investigator", wearer="PC 1234 Smith",
                   start="2019-07-01T23:34:55+01:00")
    store.close()
    return owner, lambda role: pg_server.url(pg_database, role)
