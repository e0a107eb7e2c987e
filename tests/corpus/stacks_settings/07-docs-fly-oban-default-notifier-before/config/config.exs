config :my_app, Oban,
  repo: MyApp.Repo,
  queues: [default: 10]
