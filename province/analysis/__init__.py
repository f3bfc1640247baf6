"""Customer analysis pages with charts and exports (R2.5)."""
