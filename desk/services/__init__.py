"""Services: the only way the UI and CLI reach the data — one unit of work per call."""
