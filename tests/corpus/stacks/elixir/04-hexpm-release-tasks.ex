# source: hexpm/hexpm lib/hexpm/release_tasks.ex @ dee4f9b235f2 (Apache-2.0)
defmodule Hexpm.ReleaseTasks do
  require Logger

  @start_apps [
    :logger,
    :sentry
  ]

  @repo_apps [
    :crypto,
    :ssl,
    :postgrex,
    :ecto_sql
  ]

  @repos Application.compile_env!(:hexpm, :ecto_repos)

  def script(args) do
    start_apps(@start_apps)
    Logger.info("[task] Running script")
    start_app()

    task(fn -> run_script(args) end)

    Logger.info("[task] Finished script")
    stop()
  end

  def migrate(args \\ []) do
    start_apps(@start_apps)
    Logger.info("[task] Running migrate")
    start_repo()

    task(fn -> run_migrations(args) end)

    Logger.info("[task] Finished migrate")
    stop()
  end

  def rollback(args \\ []) do
    start_apps(@start_apps)
    Logger.info("[task] Running rollback")
    start_repo()

    task(fn -> run_rollback(args) end)

    Logger.info("[task] Finished rollback")
    stop()
  end

  def seed(args \\ []) do
    start_apps(@start_apps)
    Logger.info("[task] Running seed")

    task(fn ->
      start_repo()
      run_migrations(args)
      run_seeds()
    end)

    Logger.info("[task] Finished seed")
    stop()
  end

  defp task(fun) do
    Process.flag(:trap_exit, true)

    %Task{ref: ref} =
      Task.async(fn ->
        try do
          fun.()
          :ok
        rescue
          exception ->
            report_error(exception, __STACKTRACE__)
            :error
        end
      end)

    receive do
      {^ref, result} ->
        result

      {:EXIT, _pid, {error, stacktrace}} ->
        exception = Exception.normalize(:error, error, stacktrace)
        report_error(exception, stacktrace)
        :error
    end
  after
    Process.flag(:trap_exit, false)
  end

  defp report_error(exception, stacktrace) do
    Sentry.capture_exception(exception, stacktrace: stacktrace)
    Logger.warning("Sleeping for Sentry to report error")
    Process.sleep(Application.get_env(:hexpm, :sentry_flush_ms, 5000))
  end

  defp start_app() do
    Logger.info("[task] Starting app...")
    Application.put_env(:phoenix, :serve_endpoints, false, persistent: true)
    Application.put_env(:hexpm, :topologies, [], persistent: true)
    {:ok, _} = Application.ensure_all_started(:hexpm)
  end

  defp start_repo() do
    Logger.info("[task] Starting dependencies...")
    start_apps(@repo_apps)
    Logger.info("[task] Starting repos...")

    Enum.each(@repos, fn repo ->
      {:ok, _} = repo.start_link(pool_size: 2)
    end)
  end

  defp stop() do
    Logger.info("[task] Stopping...")
    :init.stop()
  end

  defp run_migrations(args) do
    Enum.each(@repos, fn repo ->
      app = Keyword.get(repo.config(), :otp_app)
      Logger.info("[task] Running migrations for #{app}")

      with_migration_lock(repo, fn ->
        case args do
          ["--step", n] -> migrate(repo, :up, step: String.to_integer(n))
          ["-n", n] -> migrate(repo, :up, step: String.to_integer(n))
          ["--to", to] -> migrate(repo, :up, to: to)
          ["--all"] -> migrate(repo, :up, all: true)
          [] -> migrate(repo, :up, all: true)
        end
      end)
    end)
  end

  @migration_lock_poll_interval 1_000

  @doc false
  # Every app pod runs migrate() at boot, so they race. Ecto's own migration
  # lock cannot serialize them here: it holds a transaction for the duration,
  # and CREATE INDEX CONCURRENTLY waits for concurrent transactions to finish,
  # so the two deadlock. A session level advisory lock on its own connection
  # holds no transaction once acquired, and the lock is released when that
  # connection ends, including when the pod dies mid-migration.
  #
  # Waiting for the lock must not hold a transaction either. A blocking
  # pg_advisory_lock() call is a running statement with a snapshot for as long
  # as it waits, and the holder's CREATE INDEX CONCURRENTLY waits for every
  # older snapshot to go away, so the two would deadlock through the app.
  # Polling pg_try_advisory_lock() leaves the connection idle between attempts.
  def with_migration_lock(repo, fun) do
    key = Hexpm.RepoBase.advisory_lock_key(:migrate)

    opts =
      Keyword.take(repo.config(), [
        :hostname,
        :port,
        :username,
        :password,
        :database,
        :socket_options,
        :ssl
      ])

    {:ok, conn} = Postgrex.start_link(opts)

    try do
      Logger.info("[task] Waiting for migration lock")
      acquire_migration_lock(conn, key)
      Logger.info("[task] Acquired migration lock")
      fun.()
    after
      GenServer.stop(conn)
    end
  end

  defp acquire_migration_lock(conn, key) do
    %{rows: [[locked?]]} = Postgrex.query!(conn, "SELECT pg_try_advisory_lock($1)", [key])

    unless locked? do
      Process.sleep(@migration_lock_poll_interval)
      acquire_migration_lock(conn, key)
    end
  end

  defp run_rollback(args) do
    Enum.each(@repos, fn repo ->
      app = Keyword.get(repo.config(), :otp_app)
      Logger.info("[task] Running rollback for #{app}")

      case args do
        ["--step", n] -> migrate(repo, :down, step: String.to_integer(n))
        ["-n", n] -> migrate(repo, :down, step: String.to_integer(n))
        ["--to", to] -> migrate(repo, :down, to: to)
        ["--all"] -> migrate(repo, :down, all: true)
        [] -> migrate(repo, :down, step: 1)
      end
    end)
  end

  defp migrate(repo, direction, opts) do
    migrations_path = priv_path_for(repo, "migrations")
    Ecto.Migrator.run(repo, migrations_path, direction, opts)
  end

  defp run_seeds() do
    Enum.each(@repos, &run_seeds_for/1)
  end

  defp run_seeds_for(repo) do
    # Run the seed script if it exists
    seed_script = priv_path_for(repo, "seeds.exs")

    if File.exists?(seed_script) do
      Logger.info("[task] Running seed script...")
      Code.eval_file(seed_script)
    end
  end

  defp priv_path_for(repo, filename) do
    app = Keyword.get(repo.config(), :otp_app)
    priv_dir = Application.app_dir(app, "priv")

    Path.join([priv_dir, "repo", filename])
  end

  # TODO: Move all scripts to release tasks
  defp run_script(args) do
    [script | args] = args

    priv_dir = Application.app_dir(:hexpm, "priv")
    script_dir = Path.join(priv_dir, "scripts")
    original_argv = System.argv()

    Logger.info("[task] Running #{script} #{inspect(args)}")

    try do
      System.argv(args)
      Code.eval_file(script, script_dir)
    after
      System.argv(original_argv)
    end

    Logger.info("[task] Finished #{script} #{inspect(args)}")
  end

  defp start_apps(apps) do
    Enum.each(apps, fn app ->
      {:ok, _} = Application.ensure_all_started(app)
    end)
  end
end
