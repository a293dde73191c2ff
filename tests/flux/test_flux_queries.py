"""What integrating a flux costs the database: a fixed number of statements per flux of one
chunk, whatever its number of invoices (issue 15)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flux import services
from flux.models import Flux
from tests.flux.files import as_file, json_flux
from tests.utils.services import require_postgresql

pytestmark = pytest.mark.django_db

# Pinned: a change that adds a statement to every flux must say why here. 40 (BEGIN and COMMIT
# counted, three transactions) before the flux's opening and end joined its first and last
# chunks' transactions, 26 after; 24 since a chunk queues no deposit e-mail (the flux's own tells
# its end); 25 since the chunk's rows go by COPY (invoices.services._rows): their ids are taken
# first, in one more query, and the four COPYs cost a fraction of the four INSERTs' Python
# (~0.15 ms of CPU less per invoice). The batch's own statements are pinned in tests/invoices.
FLUX_OF_ONE_CHUNK_STATEMENTS = 25


def _integrate(personas, count: int, tag: str) -> int:  # type: ignore[no-untyped-def]
    content = json_flux(personas.acme.identifier, count, prefix=tag)
    flux = services.flux_receive(
        user=personas.supplier_principal, supplier=personas.acme,
        content=as_file(content, f"{tag}.json"), name=f"{tag}.json",
    ).flux  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        done = services.flux_integrate(flux_id=flux.pk)
    assert done is not None
    assert (done.status, done.integrated_count) == (Flux.Status.INTEGRE, count)
    return len(queries)


def test_a_flux_of_one_chunk_costs_a_fixed_number_of_statements(personas, settings):
    require_postgresql()  # SQLite splits the batch's INSERTs
    settings.FLUX_CHUNK_SIZE = 50
    few = _integrate(personas, 2, "P")
    many = _integrate(personas, 20, "Q")
    assert few == many == FLUX_OF_ONE_CHUNK_STATEMENTS
