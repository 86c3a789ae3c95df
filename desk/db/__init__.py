"""Storage: typed ORM models, the engine with its pragmas, and migrations."""
