"""Flux deposits: files of up to 500 invoices (EDI-like), integrated by workers."""
