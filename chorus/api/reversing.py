"""API addresses reversed once per route, then filled in with each object's ids.

Django's ``reverse`` matches the route's pattern and quotes its arguments at every call (~20 µs);
the answer to a deposit names five addresses of its invoice, a page of the invoices' list one
per invoice, a flux's detail one per integrated invoice. The path of a route whose arguments are
integers differs only by them: it is reversed once with markers for them, the path is cut
where the markers stand, and each call puts its ids in the cuts. Kept per script prefix and per
URLconf, which ``reverse`` reads too.
"""

from __future__ import annotations

import re

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# Markers of one length, so that none is found inside another, and short enough for the API's
# narrowest converter (``n``, four digits: chorus/api_urls.py).
_MARKER = 9870

# Per route: the path's pieces around its ids, and the ids' names in the order they appear.
_templates: dict[tuple[object, ...], tuple[list[str], list[str]]] = {}


def reverse_ids(viewname: str, **ids: int) -> str:
    """``reverse(viewname, kwargs=ids)`` for a route whose arguments are all integers."""
    key = (viewname, tuple(ids), get_script_prefix(), get_urlconf())
    template = _templates.get(key)
    if template is None:
        names = {str(_MARKER + i): name for i, name in enumerate(ids)}
        try:
            path = reverse(viewname, kwargs={name: int(m) for m, name in names.items()})
        except NoReverseMatch:  # a route that bounds its numbers more tightly
            return reverse(viewname, kwargs=ids)
        pattern = "|".join(names)
        found = re.findall(pattern, path)
        if sorted(found) != sorted(names):  # a route that writes its arguments another way
            return reverse(viewname, kwargs=ids)
        template = _templates[key] = (re.split(pattern, path), [names[m] for m in found])
    pieces, order = template
    return pieces[0] + "".join(
        str(int(ids[name])) + piece for name, piece in zip(order, pieces[1:], strict=True)
    )
