"""Alembic environment: runs on the connection the desk hands over, never on its own."""

from __future__ import annotations

from alembic import context

from desk.db.models import Base
from desk.db.search_schema import include_object

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("desk migrations run only through desk.db.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    include_object=include_object,  # the search index is derived data, not in the models
)
with context.begin_transaction():
    context.run_migrations()
