"""Users, roles and personal-data access audit; lives inside each tenant's schema (R9.2)."""
