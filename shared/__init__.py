"""Code both tenant types use: base models, vocabulary, validators, accounts and roles,
API conventions and the UI shell (DESIGN.md §1)."""
