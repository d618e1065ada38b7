"""Django's SQLite backend, with the data folder made before the first connection."""
