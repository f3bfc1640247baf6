"""The customer master of a province (R2.1): customers, contacts, groups, billing accounts,
product instances, bills and payments."""
