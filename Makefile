.PHONY: run test test-unit lint schemas

# Kafka (local KRaft broker) and the five services; Ctrl-C stops everything.
run:
	scripts/run-platform

# Every test layer: unit, integration (real Kafka, PostgreSQL, chDB) and end-to-end.
test:
	scripts/bootstrap
	.venv/bin/ruff check .
	.venv/bin/python -m contracts.export --check
	.venv/bin/python -m services.openapi --check
	.venv/bin/pytest -q

test-unit:
	.venv/bin/pytest -q tests/unit

lint:
	.venv/bin/ruff check .

# Regenerate JSON Schemas and the AsyncAPI document from contracts/, and each service's
# OpenAPI document (contracts/openapi/) from its app.
schemas:
	.venv/bin/python -m contracts.export
	.venv/bin/python -m services.openapi
