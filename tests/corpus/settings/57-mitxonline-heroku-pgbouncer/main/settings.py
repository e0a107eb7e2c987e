# pylint: disable=too-many-lines
"""
Django settings for main.
"""

import logging
import os
import platform
import sys
from datetime import timedelta
from urllib.parse import urljoin

import cssutils
import dj_database_url
from celery.schedules import crontab
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured
from mitol.apigateway.settings import *  # noqa: F403  # noqa: F403
from mitol.common.envs import (
    get_bool,
    get_delimited_list,
    get_features,
    get_int,
    get_list_literal,
    get_string,
    import_settings_modules,
)

# Database
# https://docs.djangoproject.com/en/2.0/ref/settings/#databases
DEFAULT_DATABASE_CONFIG = dj_database_url.parse(
    get_string(
        name="DATABASE_URL",
        default="sqlite:///{0}".format(os.path.join(BASE_DIR, "db.sqlite3")),  # noqa: PTH118, UP030
        description="The connection url to the Postgres database",
        required=True,
        write_app_json=False,
    )
)
DEFAULT_DATABASE_CONFIG["CONN_MAX_AGE"] = get_int(
    name="MITX_ONLINE_DB_CONN_MAX_AGE",
    default=0,
    description="Maximum age of connection to Postgres in seconds",
)

if get_bool(
    name="MITX_ONLINE_DB_DISABLE_SSL",
    default=False,
    description="Disables SSL to postgres if set to True",
):
    DEFAULT_DATABASE_CONFIG["OPTIONS"] = {}
else:
    DEFAULT_DATABASE_CONFIG["OPTIONS"] = {"sslmode": "require"}

DATABASES = {"default": DEFAULT_DATABASE_CONFIG}
