"""The guide's after-sales playbooks as data: loading, validation, walking and drafting."""
