"""Helpers that tests of several files share (a test module never imports another test module)."""
