"""letter drafts

A letter to a supplier can be drafted from a device's evidence (`catalog.letters`) and kept in the
outreach log as a draft until it is sent: an outreach entry may have no date sent yet, may name the
device it is about, and keeps the letter's text. The questionnaire it is filled from is kept per
catalog in letter_template. Existing entries keep their values.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outreach_entry') as batch:
        batch.alter_column('sent_on', existing_type=sa.Date(), nullable=True)
        batch.add_column(sa.Column('device_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch.create_foreign_key('fk_outreach_entry_device_id_device', 'device', ['device_id'], ['id'])
        batch.create_index('ix_outreach_entry_device_id', ['device_id'], unique=False)
    op.create_table('letter_template',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('text', sa.Text(), nullable=False),
                    sa.Column('updated_by', sa.String(length=120), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('letter_template')
    op.execute("DELETE FROM outreach_entry WHERE sent_on IS NULL")   # drafts never sent
    with op.batch_alter_table('outreach_entry') as batch:
        batch.drop_index('ix_outreach_entry_device_id')
        batch.drop_constraint('fk_outreach_entry_device_id_device', type_='foreignkey')
        batch.drop_column('body')
        batch.drop_column('device_id')
        batch.alter_column('sent_on', existing_type=sa.Date(), nullable=False)
