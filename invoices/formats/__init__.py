"""Structured invoices: Factur-X out; Factur-X, CII and UBL in; validated against EN 16931.

A self-contained layer with its own data model (``data.InvoiceData``, EN 16931 business terms),
independent of the invoice models. What the rest of the portal calls:

- ``data.computed(data)``: line nets, VAT breakdown and totals derived from the lines.
- ``facturx.build_cii(data)``, ``facturx.build_ubl(data)``: the XML, bytes.
- ``facturx.render_invoice_pdf_html(data)``: the readable PDF/A-3b, bytes.
- ``facturx.build_facturx_pdf(data, pdf_bytes=None)``: the Factur-X PDF, bytes.
- ``validation.validate_file(content, filename)``: a ``ValidationReport`` (``to_dict()`` is the
  API answer); raises ``errors.InvoiceFileError`` subclasses carrying ``http_status``.
- ``parse.parse_file(content, filename)``: an uploaded file as an ``InvoiceData``.
- ``validation.warm_up()``: compile the stylesheets after a worker forks.
"""
