"""What every API endpoint shares: the base view, errors, pagination, throttling, idempotency,
and the OpenAPI schema's description of them. The endpoints live in each app's ``api``."""
