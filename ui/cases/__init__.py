"""Case list and case form."""
