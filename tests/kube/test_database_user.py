"""The migrations Job's setup step, run for real: its psql command against a PostgreSQL
server (pgserver's, started on a Unix socket), set up as RDS sets one up.

RDS's master user is not a superuser: it has CREATEROLE and CREATEDB, owns the database RDS
created, and is a member of `rds_superuser`, which may grant `rds_iam` (RDS User Guide,
"Understanding PostgreSQL roles and permissions", Appendix.PostgreSQL.CommonDBATasks.Roles
.html). The stand-ins below are exactly that, so the grants, the ownership hand-over and the
re-run behave as they would on the instance.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from litellm_cfn.kube.database_user import setup_container
from tests.conftest import spec_from

MASTER = "litellm"
APP = "litellm_app"
# What LiteLLM's earlier migrations, run as the master user, would have left behind.
EARLIER_SCHEMA = """\
CREATE TYPE "JobStatus" AS ENUM ('ACTIVE', 'INACTIVE');
CREATE TABLE "LiteLLM_SpendLogs" (id serial PRIMARY KEY, spend double precision);
CREATE TABLE "LiteLLM_VerificationToken" (id integer GENERATED ALWAYS AS IDENTITY, token text);
CREATE TABLE "LiteLLM_CronJob" (id text PRIMARY KEY, status "JobStatus");
CREATE VIEW "MonthlySpend" AS SELECT sum(spend) AS total FROM "LiteLLM_SpendLogs";
CREATE TABLE _prisma_migrations (id text PRIMARY KEY);
"""


class Database:
    """A running server and a way to run psql on it as a given user."""

    def __init__(self, socket_dir: str, bin_dir: Path) -> None:
        self.socket_dir = socket_dir
        self.bin_dir = bin_dir

    def environment(self, user: str) -> dict[str, str]:
        return os.environ | {
            "PGHOST": self.socket_dir,
            "PGDATABASE": MASTER,
            "PGUSER": user,
            "PGSSLMODE": "disable",  # a Unix socket; the Secret's `require` is for RDS over TCP
        }

    def psql(self, user: str, sql: str, database: str = MASTER) -> str:
        result = self.run([str(self.bin_dir / "psql"), "-X", "-qAt", "-v", "ON_ERROR_STOP=1",
                           "-d", database, "-c", sql], user)  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def run(self, command: list[str], user: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, env=self.environment(user), capture_output=True, text=True, timeout=60
        )

    def setup(self) -> subprocess.CompletedProcess[str]:
        """The init container's command, as the master user (the Secret's PGUSER)."""
        command = setup_container(spec_from("name: demo\n"))["command"]
        return self.run([str(self.bin_dir / command[0]), *command[1:]], MASTER)


@pytest.fixture
def database() -> Iterator[Database]:
    # Not under tmp_path: run as root, pgserver runs PostgreSQL as a user of its own and opens
    # the folders above the data to it, but any other pytest session starting meanwhile (tests
    # of another checkout on the same machine) closes /tmp/pytest-of-<user> to its owner
    # again, and the server loses its own files. The system temp folder stays open to all.
    with tempfile.TemporaryDirectory(prefix="litellm-cfn-pg-") as folder:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset on CI machines
            import pgserver

            server = pgserver.get_server(Path(folder) / "pgdata", cleanup_mode="stop")
        try:
            bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
            socket_dir = server.get_uri().rsplit("host=", 1)[1]
            db = Database(socket_dir, bin_dir)
            db.psql(
                "postgres",
                "CREATE ROLE rds_iam NOLOGIN; CREATE ROLE rds_superuser NOLOGIN; "
                "GRANT rds_iam TO rds_superuser WITH ADMIN OPTION; "
                f"CREATE ROLE {MASTER} LOGIN CREATEROLE CREATEDB IN ROLE rds_superuser",
                database="postgres",
            )
            db.psql("postgres", f"CREATE DATABASE {MASTER} OWNER {MASTER}", database="postgres")
            yield db
        finally:
            server.cleanup()


def owners(db: Database) -> set[tuple[str, str]]:
    return {
        tuple(line.split("|"))
        for line in db.psql(
            "postgres",
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'S') "
            "UNION SELECT t.typname, pg_get_userbyid(t.typowner) FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'public' AND t.typtype = 'e'",
        ).splitlines()
    }


def test_on_a_fresh_database_litellms_user_is_created_for_iam_and_may_migrate(database):
    result = database.setup()
    assert result.returncode == 0, result.stderr
    member_of = database.psql(
        "postgres",
        f"SELECT b.rolname FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member "
        f"JOIN pg_roles b ON b.oid = m.roleid WHERE a.rolname = '{APP}'",
    )
    assert member_of == "rds_iam"
    assert database.psql("postgres", f"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{APP}'")
    # What LiteLLM's first migration does as its own user: create tables in public.
    database.psql(APP, 'CREATE TABLE "LiteLLM_Config" (param_name text PRIMARY KEY)')


def test_tables_the_master_user_created_are_handed_to_litellms_user(database):
    database.psql(MASTER, EARLIER_SCHEMA)
    assert database.setup().returncode == 0
    assert {owner for _, owner in owners(database)} == {APP}
    assert ("LiteLLM_SpendLogs_id_seq", APP) in owners(database)
    # What later migrations do: alter the tables and use their sequences.
    database.psql(APP, 'ALTER TABLE "LiteLLM_SpendLogs" ADD COLUMN model text')
    database.psql(APP, "ALTER TYPE \"JobStatus\" ADD VALUE 'PAUSED'")
    database.psql(APP, 'INSERT INTO "LiteLLM_SpendLogs" (spend) VALUES (1.5)')
    database.psql(APP, "INSERT INTO \"LiteLLM_VerificationToken\" (token) VALUES ('t')")
    assert database.psql(APP, 'SELECT total FROM "MonthlySpend"') == "1.5"


def test_every_helm_upgrade_may_run_it_again(database):
    assert database.setup().returncode == 0
    database.psql(APP, 'CREATE TABLE "LiteLLM_TeamTable" (team_id text PRIMARY KEY)')
    again = database.setup()
    assert again.returncode == 0, again.stderr
    assert ("LiteLLM_TeamTable", APP) in owners(database)


def test_a_failure_stops_the_job_and_changes_nothing(database):
    database.psql("postgres", "DROP ROLE rds_iam", database="postgres")
    failed = database.setup()
    assert failed.returncode != 0
    assert 'role "rds_iam" does not exist' in failed.stderr
    assert (
        database.psql("postgres", f"SELECT count(*) FROM pg_roles WHERE rolname = '{APP}'") == "0"
    )
