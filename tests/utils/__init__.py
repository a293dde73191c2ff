"""Helpers shared by the whole suite: real worker and beat processes (`workers`), a local SMTP
server (`smtp`), when a missing service skips or fails a test (`services`), and another
connection's transaction held open while a test acts (`transactions`)."""
