"""crm_action: runs CRM actions (find the caller, save the lead) for the agent."""
