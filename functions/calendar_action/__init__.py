"""calendar_action: runs calendar actions (find slots, book, move, cancel meetings) for the agent."""
