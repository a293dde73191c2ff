"""Every write on invoices. Each service is one transaction that locks the invoice row, checks
who acts, fires one transition, saves the changed fields, writes the history row, and leaves
the follow-ups (routing, e-mails) to tasks enqueued once the transaction has committed.

Split by who writes: the supplier creating invoices (deposit), the system (routing, payment),
the recipient's agent (processing), the supplier answering the recipient (answers).
"""

from invoices.services._enqueue import (
    ROUTING_WAKE_KEY,
    routing_wake_is_shared,
    wake_routing,
)
from invoices.services._files import (
    NewFile,
    check_upload,
)
from invoices.services.answers import (
    invoice_acknowledge_rejection,
    invoice_complete,
    invoice_recycle,
)
from invoices.services.batch import (
    Deposited,
    FileDeposit,
    TypedDeposit,
    deposit_batch,
)
from invoices.services.common import (
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceInput,
    InvoiceStateError,
    LineInput,
)
from invoices.services.deposit import (
    invoice_deposit,
    invoice_input_with_account,
    invoice_save_draft,
    invoice_submit,
    invoice_upload_pdf,
)
from invoices.services.documents import (
    deposits_renderings,
    invoice_certificate,
    invoice_render_certificate,
    invoice_render_facturx,
    renderings_sweep,
)
from invoices.services.drafts import invoice_delete_draft, invoice_duplicate
from invoices.services.preview import invoice_deposit_errors
from invoices.services.processing import invoice_process
from invoices.services.registers import (
    RegisterError,
    engagement_import_receive,
    engagement_import_run,
    engagement_imports_sweep,
    engagement_record_upsert,
    engagement_set_state,
)
from invoices.services.structured import (
    Problem,
    StructuredFilePreview,
    StructuredFileRefused,
    findings_as_problems,
    invoice_deposit_structured_file,
    invoice_draft_structured_file,
    is_structured_file,
    problems_from_errors,
    read_invoice_upload,
    structured_file_preview,
    validate_invoice_file,
)
from invoices.services.system import (
    SYSTEM_PAYMENT,
    SYSTEM_ROUTING,
    invoice_pay_due,
    invoice_route,
    invoice_route_through,
    invoices_left_waiting,
    invoices_route_batch,
    invoices_sweep_routing,
)
from invoices.services.validation import (
    invoice_change_validator,
    invoice_refuse_validation,
    invoice_validate,
    invoices_sweep_validations,
)

__all__ = [
    "ROUTING_WAKE_KEY",
    "SYSTEM_PAYMENT",
    "SYSTEM_ROUTING",
    "Deposited",
    "FileDeposit",
    "InvoiceAccessDenied",
    "InvoiceError",
    "InvoiceInput",
    "InvoiceStateError",
    "LineInput",
    "NewFile",
    "Problem",
    "RegisterError",
    "StructuredFilePreview",
    "StructuredFileRefused",
    "TypedDeposit",
    "check_upload",
    "deposit_batch",
    "deposits_renderings",
    "engagement_import_receive",
    "engagement_import_run",
    "engagement_imports_sweep",
    "engagement_record_upsert",
    "engagement_set_state",
    "findings_as_problems",
    "invoice_acknowledge_rejection",
    "invoice_certificate",
    "invoice_change_validator",
    "invoice_complete",
    "invoice_delete_draft",
    "invoice_deposit",
    "invoice_deposit_errors",
    "invoice_deposit_structured_file",
    "invoice_draft_structured_file",
    "invoice_duplicate",
    "invoice_input_with_account",
    "invoice_pay_due",
    "invoice_process",
    "invoice_recycle",
    "invoice_refuse_validation",
    "invoice_render_certificate",
    "invoice_render_facturx",
    "invoice_route",
    "invoice_route_through",
    "invoice_save_draft",
    "invoice_submit",
    "invoice_upload_pdf",
    "invoice_validate",
    "invoices_left_waiting",
    "invoices_route_batch",
    "invoices_sweep_routing",
    "invoices_sweep_validations",
    "is_structured_file",
    "problems_from_errors",
    "read_invoice_upload",
    "renderings_sweep",
    "routing_wake_is_shared",
    "structured_file_preview",
    "validate_invoice_file",
    "wake_routing",
]
