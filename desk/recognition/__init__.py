"""Text in evidence pictures, read offline: the engine runs in a worker process (client.py, worker.py),
readings are cached per picture content (cache.py), and values are found in them (fields.py).
docs/recognition.md says what is read, where it is kept and how to switch it off."""
