import Config

config :hexpm, ecto_repos: [Hexpm.RepoBase]

config :hexpm, Oban,
  repo: Hexpm.RepoBase,
  queues: [periodic: 2, heavy: 1, registry: 1, purge: 5],
  shutdown_grace_period: 300_000

config :hexpm, Hexpm.RepoBase,
  priv: "priv/repo",
  migration_timestamps: [type: :utc_datetime_usec]
