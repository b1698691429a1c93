"""agent_turn: runs one turn of the conversation graph per message on the turns topic."""
