"""Hosting chats live: everything between the platforms and the store while a chat runs.

- ``host``: several sessions in one process, the one start-up path (``run``, the demo, ``serve``
  and the tests all go through it), signals and clean shutdown.
- ``session``: one session on its platforms: reading, the engine, host commands, the timeline.
- ``ledger``: exactly-once posting and the history check after a crash (``lookup``); posts the
  history cannot settle are held for a host.
- ``plan``: what a session's config becomes (templates, options, planned posts) and what
  timeline commands do.
- ``feed``: live counters and the event stream for the live view and the dashboard.
- ``live``: what a running session offers the web app.
- ``recaps``: the recap rendered after the closing.
- ``rehearse``: ``chatbot replay``, a recorded chat through the real runner.
"""
