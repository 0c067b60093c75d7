"""reading changes

What decoding against the knowledge base changed in a reading (each token as read, as taken, the
cost on the pixels and what the knowledge base says it is), so that a reviewer sees which characters
the knowledge base, not the recognizer, supplied. Readings stored before have none.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reading') as batch:
        batch.add_column(sa.Column('changes', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('reading') as batch:
        batch.drop_column('changes')
