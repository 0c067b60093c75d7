"""reading engine_version length

An engine's version names the engine package, each model file (by the start of its SHA-256) and the
settings that change what it reads, e.g. 'rapidocr 3.10.0, PP-OCRv4 det d2a7720d45a5 (unclip 2.0),
rec 48fc40f24f6d': more than the 40 characters the column had. Widened to 200; nothing is rewritten.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reading') as batch:
        batch.alter_column('engine_version', existing_type=sa.String(40), type_=sa.String(200),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('reading') as batch:
        batch.alter_column('engine_version', existing_type=sa.String(200), type_=sa.String(40),
                           existing_nullable=False)
