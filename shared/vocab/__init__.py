"""Controlled vocabularies (choice lists and reference data) shared by all apps."""
