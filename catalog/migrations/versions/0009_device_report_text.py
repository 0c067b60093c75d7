"""device report text

A device's report (`/devices/<slug>/report`) opens with an introduction and closes with
recommendations that the investigators write: two optional text columns on device. Nothing is
rewritten.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('device') as batch:
        batch.add_column(sa.Column('report_intro', sa.Text(), nullable=True))
        batch.add_column(sa.Column('report_recommendations', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('device') as batch:
        batch.drop_column('report_recommendations')
        batch.drop_column('report_intro')
