"""HQ apps: what headquarters keeps about the whole federation (DESIGN.md §1)."""
