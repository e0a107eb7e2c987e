# source: dbt-labs/dbt-postgres tests/unit/test_adapter.py @ 4ceebd5 (Apache-2.0); excerpt: lines 1-17, 86-106 and 206-215, omitted code marked [excerpt]
import dataclasses
from multiprocessing import get_context
from unittest import TestCase, mock

import agate
from dbt.adapters.base import BaseRelation
from dbt.adapters.contracts.relation import Path
from dbt_common.context import set_invocation_context
from dbt_common.exceptions import DbtValidationError

from dbt.adapters.postgres import Plugin as PostgresPlugin, PostgresAdapter
from tests.unit.utils import (
    config_from_parts_or_dicts,
    inject_adapter,
    mock_connection,
)

# [excerpt]
class TestPostgresAdapter(TestCase):
    def test_cancel_open_connections_single(self):
        master = mock_connection("master")
        model = mock_connection("model")
        key = self.adapter.connections.get_thread_identifier()
        model.handle.get_backend_pid.return_value = 42
        self.adapter.connections.thread_connections.update(
            {
                key: master,
                1: model,
            }
        )
        with mock.patch.object(self.adapter.connections, "add_query") as add_query:
            query_result = mock.MagicMock()
            add_query.return_value = (None, query_result)

            self.assertEqual(len(list(self.adapter.cancel_open_connections())), 1)

            add_query.assert_called_once_with("select pg_terminate_backend(42)")

        master.handle.get_backend_pid.assert_not_called()

    # [excerpt]

    @mock.patch("dbt.adapters.postgres.connections.psycopg2")
    def test_role(self, psycopg2):
        self.config.credentials = self.config.credentials.replace(role="somerole")
        connection = self.adapter.acquire_connection("dummy")

        cursor = connection.handle.cursor()

        cursor.execute.assert_called_once_with("set role somerole")

