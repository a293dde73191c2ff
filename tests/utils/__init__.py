"""Helpers shared by the whole suite: real worker and beat processes (`workers`), a local SMTP
server (`smtp`), and when a missing service skips or fails a test (`services`)."""
