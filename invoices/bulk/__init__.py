"""Bulk decisions: an agent applies one decision to many received invoices at once, each invoice
judged on its own by the single decision's service (``invoices.services.invoice_process``).

``models`` (the batch and its per-invoice results), ``services`` (create, run chunk by chunk,
sweep), ``selectors`` (the agent's own batches), ``views`` (the result page with its progress
bar) and ``api`` (``/api/v1/invoices/bulk-decisions/``).
"""
