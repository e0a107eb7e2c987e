import os

import asyncpg


async def init_app(app):
    app['pool'] = await asyncpg.create_pool(os.environ['DATABASE_URL'], command_timeout=60)
