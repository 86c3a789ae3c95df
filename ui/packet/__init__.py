"""Appeal packet preview and printing."""
