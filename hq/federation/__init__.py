"""HQ's view of the provinces: their status and the figures they report through sync."""
