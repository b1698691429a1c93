"""The call console: a small web service (FastAPI, server-rendered pages) where the sales team and
the engineers look at calls: the list, one call (transcript, recording, per-turn latency, actions,
outcome, post-call result) and an overview. It reads the call documents, their events and the
recordings; the one thing it asks for is a post-call re-run, which post_call_trigger carries out.

    settings.py     ConsoleSettings (CALLBOT_*): where calls and recordings are, who may look
    access.py       who is asking (IAP's signed header in production) and their role
    listing.py      the calls list: filters, outcomes, pages
    call_view.py    one call as its page shows it (turns, waterfall, actions)
    overview.py     calls per day, booking rate, scores, turn latency percentiles
    app.py          the routes and error pages
    bootstrap.py    the composition root (which adapters run)
"""
