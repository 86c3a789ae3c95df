"""Appeal packet PDFs: fonts, image preparation and the platypus document."""
