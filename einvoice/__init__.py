"""Structured invoices: Factur-X out; Factur-X, CII and UBL in; validated against EN 16931.

A standards library with its own data model (``data.InvoiceData``, EN 16931 business terms):
no Django import, nothing of the portal's models. The portal's side of it lives in
``invoices``: ``invoices.einvoice_mapping`` (to and from the models), ``invoices.invoice_pdf``
(the readable PDF, rendered with Django templates) and ``invoices.services.structured`` (the
size limit from the settings). What the portal calls:

- ``data.computed(data)``: line nets, VAT breakdown and totals derived from the lines.
- ``facturx.build_cii(data)``, ``facturx.build_ubl(data)``: the XML, bytes.
- ``facturx.build_facturx_pdf(data, pdf_bytes)``: the Factur-X PDF (the readable PDF/A-3
  given, with the CII embedded), bytes.
- ``validation.validate_file(content, filename, max_bytes=…)``: a ``ValidationReport``
  (``to_dict()`` is the API answer); raises ``errors.InvoiceFileError`` subclasses carrying
  ``http_status``.
- ``parse.parse_file(content, filename, max_bytes=…)``: an uploaded file as an ``InvoiceData``.
- ``validation.warm_up()``: compile the stylesheets after a worker forks.
"""
