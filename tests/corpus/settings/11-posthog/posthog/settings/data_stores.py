import os
import json
from contextlib import suppress
from pathlib import Path
from typing import Optional

from django.core.exceptions import ImproperlyConfigured

import dj_database_url

from posthog.product_db_config import load_product_db_routes
from posthog.settings.base_variables import DEBUG, IN_EVAL_TESTING, IS_COLLECT_STATIC, TEST
from posthog.settings.utils import get_from_env, get_list, str_to_bool
from posthog.utils import str_to_int_set

# See https://docs.djangoproject.com/en/3.2/ref/settings/#std:setting-DATABASE-DISABLE_SERVER_SIDE_CURSORS
DISABLE_SERVER_SIDE_CURSORS: bool = get_from_env("USING_PGBOUNCER", False, type_cast=str_to_bool)
# See https://docs.djangoproject.com/en/3.2/ref/settings/#std:setting-DATABASE-DISABLE_SERVER_SIDE_CURSORS
DEFAULT_AUTO_FIELD: str = "django.db.models.AutoField"

# Configuration for sqlcommenter
SQLCOMMENTER_WITH_FRAMEWORK: bool = False

# Person table configuration
# Controls which PostgreSQL table the Person model uses.
# Default: "posthog_person" (legacy non-partitioned table)
# For partitioned table: set PERSON_TABLE_NAME=posthog_person_new
# Note: posthog_person_new must exist (created by Rust sqlx migrations)
PERSON_TABLE_NAME: str = os.getenv("PERSON_TABLE_NAME", "posthog_person")


# Database
# https://docs.djangoproject.com/en/2.2/ref/settings/#databases


def postgres_config(host: str) -> dict:
    """Generate the config map we need for a postgres database.

    Generally all our postgres databases will need the same config - replicas are identical other than host.

    Parameters:
        host (str): The host to connect to

    Returns:
        dict: The config, to be set in django DATABASES
    """

    return {
        "ENGINE": "django.db.backends.postgresql_psycopg2",
        "NAME": get_from_env("POSTHOG_DB_NAME"),
        "USER": os.getenv("POSTHOG_DB_USER", "postgres"),
        "PASSWORD": os.getenv("POSTHOG_DB_PASSWORD", ""),
        "HOST": host,
        "PORT": os.getenv("POSTHOG_POSTGRES_PORT", "5432"),
        "CONN_MAX_AGE": 0,
        "DISABLE_SERVER_SIDE_CURSORS": DISABLE_SERVER_SIDE_CURSORS,
        "SSL_OPTIONS": {
            "sslmode": os.getenv("POSTHOG_POSTGRES_SSL_MODE", None),
            "sslrootcert": os.getenv("POSTHOG_POSTGRES_CLI_SSL_CA", None),
            "sslcert": os.getenv("POSTHOG_POSTGRES_CLI_SSL_CRT", None),
            "sslkey": os.getenv("POSTHOG_POSTGRES_CLI_SSL_KEY", None),
        },
        "TEST": {
            "MIRROR": "default",
        },
    }


if TEST or DEBUG:
    PG_HOST: str = os.getenv("PGHOST", "db")
    PG_USER: str = os.getenv("PGUSER", "posthog")
    PG_PASSWORD: str = os.getenv("PGPASSWORD", "posthog")
    PG_PORT: str = os.getenv("PGPORT", "5432")
    PG_DATABASE: str = os.getenv(
        "PGDATABASE",
        # AI evals get their own database, as they fully reuse the DB between runs and only reset once per day, for perf
        "posthog_ai_eval" if IN_EVAL_TESTING else "posthog",
    )
    DATABASE_URL: str = os.getenv(
        "DATABASE_URL",
        f"postgres://{PG_USER}:{PG_PASSWORD}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}",
    )
else:
    DATABASE_URL = os.getenv("DATABASE_URL", "")

if DATABASE_URL:
    DATABASES: dict[str, dict] = {"default": dict(dj_database_url.config(default=DATABASE_URL, conn_max_age=0))}

    if DISABLE_SERVER_SIDE_CURSORS:
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

elif os.getenv("POSTHOG_DB_NAME"):
    DATABASES = {"default": postgres_config(os.getenv("POSTHOG_POSTGRES_HOST", "localhost"))}

    ssl_configurations = []
    for ssl_option, value in DATABASES["default"]["SSL_OPTIONS"].items():
        if value:
            ssl_configurations.append("{}={}".format(ssl_option, value))

    if ssl_configurations:
        ssl_configuration = "?{}".format("&".join(ssl_configurations))
    else:
        ssl_configuration = ""

    DATABASE_URL = "postgres://{}{}{}{}:{}/{}{}".format(
        DATABASES["default"]["USER"],
        ":" + DATABASES["default"]["PASSWORD"] if DATABASES["default"]["PASSWORD"] else "",
        "@" if DATABASES["default"]["USER"] or DATABASES["default"]["PASSWORD"] else "",
        DATABASES["default"]["HOST"],
        DATABASES["default"]["PORT"],
        DATABASES["default"]["NAME"],
        ssl_configuration,
    )
else:
    raise ImproperlyConfigured(
        f'The environment vars "DATABASE_URL" or "POSTHOG_DB_NAME" are absolutely required to run this software'
    )

DATABASE_ROUTERS: list[str] = []

# Configure the database which will be used as a read replica.
# This should have all the same config as our main writer DB, just use a different host.
# Our database router will point here.
read_host = os.getenv("POSTHOG_POSTGRES_READ_HOST")
if read_host:
    DATABASES["replica"] = postgres_config(read_host)
    DATABASE_ROUTERS.append("posthog.dbrouter.ReplicaRouter")

# Configure a direct database connection bypassing PgBouncer.
# This allows using PGOPTIONS like lock_timeout which PgBouncer doesn't support.
# Used for migrations: python manage.py migrate --database=default_direct
direct_host = os.getenv("POSTHOG_POSTGRES_DIRECT_HOST")
if direct_host:
    # Copy from default database config (works with both DATABASE_URL and POSTHOG_DB_NAME setups)
    DATABASES["default_direct"] = DATABASES["default"].copy()
    # Override host and port for direct connection (bypassing PgBouncer)
    DATABASES["default_direct"]["HOST"] = direct_host
    DATABASES["default_direct"]["PORT"] = os.getenv("POSTHOG_POSTGRES_DIRECT_PORT", "5432")
    # Disable server-side cursors is not needed for direct connection
    DATABASES["default_direct"]["DISABLE_SERVER_SIDE_CURSORS"] = False
    # Set lock_timeout for migrations to fail fast on lock contention
    lock_timeout_ms = os.getenv("MIGRATE_LOCK_TIMEOUT", "20000")
    DATABASES["default_direct"]["OPTIONS"] = {"options": f"-c lock_timeout={lock_timeout_ms}"}
