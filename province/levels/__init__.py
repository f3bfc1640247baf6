"""Customer levels and membership cards (R2.2)."""
