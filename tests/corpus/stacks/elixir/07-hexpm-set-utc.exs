# source: hexpm/hexpm priv/repo/migrations/20180317114920_set_utc.exs @ dee4f9b235f2 (Apache-2.0)
defmodule Hexpm.Repo.Migrations.SetUtc do
  use Ecto.Migration

  def change do
    database_name = Keyword.fetch!(Hexpm.RepoBase.config(), :database)
    execute("ALTER DATABASE #{database_name} SET timezone TO 'UTC'")
  end
end
