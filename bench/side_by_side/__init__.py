"""Callbot and Pipecat side by side on one fake Twilio caller: `python -m bench.side_by_side`.

`twilio_caller.py` plays Twilio (signed webhook, 20 ms real-time frames, marks echoed when played);
`caller_audio.py` writes its three espeak utterances; `callbot_side.py` runs our local stack;
`pipecat_bot.py` and `run_pipecat.py` run Pipecat 1.14 in its own virtual environment
(`requirements-pipecat.txt`), which this benchmark makes: Pipecat is never a requirement of the
project. Both sides get the same fakes: STT final 150 ms after the end of speech, LLM first token
350 ms then 40 tokens/s, TTS first audio 150 ms.
"""
