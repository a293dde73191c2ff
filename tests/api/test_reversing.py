"""API addresses reversed once per route, then filled in (chorus/api/reversing.py): the same
paths as Django's ``reverse``, whatever the ids, the script prefix or the URLconf."""

from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix, set_urlconf

from chorus.api import reversing
from chorus.api.reversing import reverse_ids


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("api:invoice-detail", {"pk": 1}),
        ("api:invoice-detail", {"pk": 9870}),  # a marker itself
        ("api:invoice-attachment", {"pk": 9871, "n": 9870}),
        ("api:invoice-history", {"pk": 42}),
        ("api:invoice-attachment", {"pk": 7, "n": 3}),
        ("api:invoice-attachment", {"n": 3, "pk": 7}),  # the ids in another order
        ("api:invoice-attachment", {"pk": 11, "n": 11}),
        ("api:flux-detail", {"pk": 123_456_789}),
    ],
)
def test_an_address_is_the_one_django_reverses(name, ids):
    for _ in range(2):  # reversed, then filled in
        assert reverse_ids(name, **ids) == reverse(name, kwargs=ids)
    assert (name, tuple(ids)) in {key[:2] for key in reversing._templates}  # not the fallback


def test_each_script_prefix_has_its_own_addresses():
    first = reverse_ids("api:invoice-detail", pk=5)
    set_script_prefix("/chorus/")
    try:
        assert reverse_ids("api:invoice-detail", pk=5) == "/chorus" + first
        assert reverse_ids("api:invoice-detail", pk=5) == reverse("api:invoice-detail", args=[5])
    finally:
        clear_script_prefix()
    assert reverse_ids("api:invoice-detail", pk=5) == first


def test_a_urlconf_of_the_thread_is_followed():
    here = reverse_ids("api:invoice-detail", pk=5)
    set_urlconf("tests.api.moved_urls")
    try:
        assert reverse_ids("api:invoice-detail", pk=5) == "/ailleurs" + here
    finally:
        set_urlconf(None)
    assert reverse_ids("api:invoice-detail", pk=5) == here
