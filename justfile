# Task Tracker recipes (`uv run just --list`). Compose recipes need Docker; the others run locally.

compose := "docker compose"
compose_dev := "docker compose -f compose.yml -f deploy/compose.dev.yml"

# list the recipes
default:
    @just --list

# the whole compose stack (postgres, nats, migrations, stages, api, dashboard, nginx), waiting until healthy
services:
    {{compose}} up -d --build --wait

# the compose stack with NATS monitoring on :8222 and debug logs
services-dev:
    {{compose_dev}} up -d --build --wait

# the compose stack plus Prometheus (:9090) and Grafana (:3001)
services-monitoring:
    {{compose}} --profile monitoring up -d --build --wait

# stop the compose stack; volumes (data) are kept
services-stop:
    {{compose}} --profile monitoring down

# rebuild the image and recreate the application containers
rebuild:
    {{compose}} build
    {{compose}} up -d --force-recreate --wait migrate ingest scorer embedder extractor api

# apply pending migrations (a backup is taken first when one is pending)
db-migrate:
    uv run tracker db migrate

# back up, roll back every migration, migrate again: an empty schema, configuration re-seeded
db-migrate-fresh:
    uv run tracker db backup
    uv run tracker db rollback --steps 1000
    uv run tracker db migrate --no-backup

# compose only: delete the postgres AND nats volumes (every event and read model), then start again
db-nuclear-reset:
    @echo "This deletes the postgres and nats volumes of the compose stack. Ctrl-C within 5 s to stop."
    sleep 5
    {{compose}} --profile monitoring down --volumes
    {{compose}} up -d --wait

# the embedded system: NATS + PostgreSQL from pip-installed binaries and all five services
dev:
    uv run tracker up

# the test suite
test *ARGS:
    uv run pytest -q {{ARGS}}

# lint and format check
lint:
    uv run ruff check .
    uv run ruff format --check .

# benchmarks (each prints its own numbers)
bench:
    uv run python bench/scorer.py
    uv run python bench/embedder.py
    uv run python bench/bus.py
