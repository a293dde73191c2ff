"""The invoice pages, one module per side: the supplier's entry and deposit (entry), the
supplier's follow-up (sent), the agent's processing (received), and the file downloads."""
