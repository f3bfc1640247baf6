"""Root conftest: puts the repository on sys.path for the test suite."""
