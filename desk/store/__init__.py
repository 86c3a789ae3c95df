"""Evidence storage: the content-addressed blob store and media sniffing."""
