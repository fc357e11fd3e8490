"""The local stack without Docker: a KRaft Kafka broker from Maven jars, a throw-away PostgreSQL.

Each module is a library (used by the pytest fixtures in tests/fixtures_infra.py) and a CLI:
``python -m deploy.local.kafka start|stop|status``, ``python -m deploy.local.topics``,
``python -m deploy.local.postgres start|stop|status``.
"""
