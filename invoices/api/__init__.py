"""The invoices part of the REST API: serializers, the API's reads (scoped by the invoices
selectors), and one thin view per operation calling the invoices services."""
