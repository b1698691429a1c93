"""knowledge_action: searches the company's knowledge base for the agent."""
