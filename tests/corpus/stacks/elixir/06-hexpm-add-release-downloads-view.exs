# source: hexpm/hexpm priv/repo/migrations/20140323211856_add_release_downloads_view.exs @ dee4f9b235f2 (Apache-2.0)
defmodule Hexpm.Repo.Migrations.AddReleaseDownloadsView do
  use Ecto.Migration

  def up() do
    execute("""
      CREATE MATERIALIZED VIEW IF NOT EXISTS release_downloads (
        release_id,
        downloads) AS
          SELECT d.release_id, SUM(d.downloads)
          FROM downloads AS d
          GROUP BY release_id
    """)

    execute("CREATE INDEX ON release_downloads (release_id)")
  end

  def down() do
    execute("DROP MATERIALIZED VIEW IF EXISTS release_downloads")
  end
end
