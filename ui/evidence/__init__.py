"""Evidence gallery: model, thumbnails and the panel."""
