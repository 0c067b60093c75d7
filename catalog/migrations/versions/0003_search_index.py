"""search index over components (SQLite FTS5 trigram; PostgreSQL pg_trgm)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # Trigram tokens: any 3+ character substring of a part number or marking is searchable.
        op.execute("CREATE VIRTUAL TABLE component_search USING fts5(component_id UNINDEXED, body, "
                   "tokenize='trigram')")
    else:
        if dialect == "postgresql":
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE TABLE component_search (component_id INTEGER PRIMARY KEY "
                   "REFERENCES component(id), body TEXT NOT NULL)")
        if dialect == "postgresql":
            op.execute("CREATE INDEX component_search_trgm ON component_search USING gin (body gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS component_search")
