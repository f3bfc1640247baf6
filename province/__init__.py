"""Provincial CRM apps; each is one Django app with the same skeleton (DESIGN.md §2)."""
