"""The simulated caller: a fake Twilio that places a call against the relay and plays a scenario."""
