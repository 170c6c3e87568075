"""Alembic environment: runs on the connection `storage.migrate` hands over (never opens its own)."""

from alembic import context

from storage.migrate import include_object
from storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, include_object=include_object,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
