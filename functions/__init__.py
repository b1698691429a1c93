"""Cloud Functions (2nd gen). One folder per function, each with a thin `main.py` entry point."""
