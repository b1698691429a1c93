"""Contracts shared by every deployable: message models and topic map, settings, errors, logging,
and the adapters for the bus (Pub/Sub) and state (Firestore)."""
