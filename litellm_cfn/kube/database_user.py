"""LiteLLM's own database user, created by a step of the chart's migrations Job.

RDS IAM database authentication admits a PostgreSQL user that has been granted `rds_iam`
(RDS User Guide, "Creating a database account using IAM authentication",
UsingWithRDS.IAMDBAuth.DBAccounts.html). This step signs in once as the master user (its
password from `litellm-database-admin`), creates LiteLLM's user if it is missing, grants it
`rds_iam`, the database and `CREATE` on schema `public` (PostgreSQL 15 took that from
PUBLIC: "Schemas", ddl-schemas.html), and hands it every table, view, sequence and type the
master user owns there: LiteLLM's migrations alter its tables, which needs their owner.
It is an init container of the migrations Job, so it runs before every migration (a helm
pre-install/pre-upgrade hook, an Argo CD PreSync hook), and it is idempotent.
"""

from __future__ import annotations

from typing import Any

from litellm_cfn.kube.names import DATABASE_ADMIN_SECRET
from litellm_cfn.spec import PlatformSpec

# PostgreSQL's official image through Amazon ECR Public (no Docker Hub pull limits), as an
# unprivileged user: 70 is `postgres` in the Alpine variant.
PSQL_IMAGE = "public.ecr.aws/docker/library/postgres:{major}-alpine"
POSTGRES_UID = 70

# Identifiers are PostgreSQL names the spec has checked ([A-Za-z][A-Za-z0-9_]*), quoted so
# their case is kept: IAM authentication compares the user name exactly.
SETUP_SQL = """\
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{user}') THEN
    CREATE ROLE "{user}" WITH LOGIN;
  END IF;
END
$$;
GRANT rds_iam TO "{user}";
GRANT "{user}" TO CURRENT_USER;
GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{user}";
GRANT USAGE, CREATE ON SCHEMA public TO "{user}";
DO $$
DECLARE
  item record;
BEGIN
  FOR item IN
    SELECT format('ALTER %s public.%I OWNER TO %I',
                  CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                 WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                  c.relname, '{user}') AS statement
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
      -- sequences of serial and identity columns follow their table
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE item.statement;
  END LOOP;
  FOR item IN
    SELECT format('ALTER TYPE public.%I OWNER TO %I', t.typname, '{user}') AS statement
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public'
      AND t.typtype IN ('e', 'd')
      AND t.typowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
  LOOP
    EXECUTE item.statement;
  END LOOP;
END
$$;
"""


def setup_sql(spec: PlatformSpec) -> str:
    """The statements, run in one transaction (psql -c)."""
    return SETUP_SQL.format(user=spec.rds.app_username, database=spec.rds.database_name)


def setup_container(spec: PlatformSpec) -> dict[str, Any]:
    """The init container creating LiteLLM's user before its migrations run."""
    major = spec.rds.engine_version.split(".")[0]
    return {
        "name": "database-user",
        "image": PSQL_IMAGE.format(major=major),
        # psql reads host, port, database, user, password and sslmode from PG* variables.
        "command": ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-c", setup_sql(spec)],
        "envFrom": [{"secretRef": {"name": DATABASE_ADMIN_SECRET}}],
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": POSTGRES_UID,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"memory": "128Mi"},
        },
    }
