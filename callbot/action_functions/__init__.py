"""What the three action functions (crm_action, calendar_action, knowledge_action) share: their
settings, the handler that runs one `ActionRequested` and reports `ActionCompleted`, and the
CloudEvent entry that feeds it.

Each function supplies its port adapter and its operations (`functions/<name>/operations.py`).
"""
