from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    """Each test starts in French and leaves nothing behind: a request made in English
    activates English for the thread, and Django does not switch it back."""
    with translation.override("fr"):
        yield
