"""API conventions (DESIGN.md §2): one base viewset, role permissions, scoping, filters,
ordered cursor pagination and one error format."""
