import sqlalchemy
from sqlalchemy.pool import NullPool

# Example transaction mode string:
url = "postgres://[db-user].[project-ref]:[db-password]@aws-0-[aws-region].pooler.supabase.com:6543"

con = sqlalchemy.create_engine(url, client_encoding='utf8', poolclass=NullPool)
