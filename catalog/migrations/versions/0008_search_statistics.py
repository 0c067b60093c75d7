"""search statistics on PostgreSQL

PostgreSQL estimates how many components a search matches from the statistics it keeps on
`component_search.body`. With the default 100 sample values it guessed 2,747 matches for a part that
has 294 in a 300,000-component catalog, and so walked the whole catalog in page order looking for
them (170 ms) instead of looking them up in the trigram index and sorting them (3 ms); common words
(a maker's name) were planned right either way. 2,000 sample values bring the estimate to within 10%.
SQLite keeps no such statistics: nothing changes there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SEARCH_STATISTICS = 2000


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE component_search ALTER COLUMN body SET STATISTICS {SEARCH_STATISTICS}")
        op.execute("ANALYZE component_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE component_search ALTER COLUMN body SET STATISTICS -1")
