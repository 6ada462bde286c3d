"""The core: model, conventions, engine, queue and schedule.

It imports the standard library only and does no I/O; time is passed in.
"""
