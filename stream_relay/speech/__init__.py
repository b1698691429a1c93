"""Speech engines behind small interfaces: speech-to-text, text-to-speech, voice activity."""
