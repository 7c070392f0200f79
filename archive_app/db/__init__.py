"""The metadata store: SQLAlchemy tables, Alembic migrations and the repository."""
