from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(
    "postgresql+asyncpg://[db-user].[project-ref]:[db-password]@aws-0-[aws-region].pooler.supabase.com:6543/postgres"
)
