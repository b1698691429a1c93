"""The stream relay (Cloud Run, always on): holds the Twilio media-stream WebSocket of each call,
turns the caller's audio into utterances on the bus and the bot's replies into paced audio."""
