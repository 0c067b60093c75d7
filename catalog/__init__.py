"""The catalog: SQLAlchemy models, the database, and the marking resolver with its knowledge base."""
