"""Developer tools: the local stack, the simulated Twilio caller and the `callbot` CLI."""
