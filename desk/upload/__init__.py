"""Upload kit: the appeal as numbered JPEGs and a trimmed 申诉说明 that fit a platform's upload limits."""
