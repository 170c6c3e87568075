"""Alembic environment: runs on the connection `storage.migrate` hands over (never opens its own)."""

from alembic import context

from storage.tables import metadata

# engine-specific keyword search lives beside the schema (FTS5 tables on SQLite, a tsvector column on PostgreSQL)
_OUTSIDE = ("kb_chunks_fts", "schema_migrations")


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001 - Alembic's hook signature
    if type_ == "table" and name and name.startswith(_OUTSIDE):
        return False
    if type_ == "column" and name == "tsv":
        return False
    if type_ == "index" and name in ("kb_chunks_tsv",):
        return False
    return True


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, include_object=include_object,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
