"""The province home page: where provincial staff land after signing in."""
