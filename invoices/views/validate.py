""" "Vérifier une facture": judge a file as the deposit would, and store nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from einvoice.errors import InvoiceFileError
from invoices import services
from invoices.forms import ValidateForm


@login_required
def validate(request: HttpRequest) -> HttpResponse:
    """The verdict of the official artefacts on an uploaded file (XSD, then the schematron of
    its profile, the French rules as warnings). The file is read in memory only."""
    report, status = None, 200
    form = ValidateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not form.is_valid():
        status = 400  # no file, or an empty one
    elif request.method == "POST":
        upload = form.cleaned_data["file"]
        try:
            report = services.validate_invoice_file(
                services.read_invoice_upload(upload), upload.name
            )
        except InvoiceFileError as error:
            form.add_error("file", error.message)
            status = error.http_status
    return render(
        request,
        "invoices/validate.html",
        {
            "form": form,
            "report": report,
            "errors": services.findings_as_problems(report.errors) if report else [],
            "warnings": services.findings_as_problems(report.warnings) if report else [],
        },
        status=status,
    )
