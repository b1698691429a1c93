"""Fakes of the project's ports that record calls, for unit tests."""
