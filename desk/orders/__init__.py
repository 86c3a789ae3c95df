"""Orders, products and the weight check: reading platform exports, the catalog, proving shipments by weight."""
