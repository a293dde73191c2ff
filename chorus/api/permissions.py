"""What an API token may do: its scopes (``accounts.ApiToken.scopes``), on top of its user's rights.

Reading (GET, HEAD, OPTIONS) needs ``read``; a write needs the scope its view names in
``token_scope`` (``deposit`` for a supplier's writes, ``process`` for an agent's). A write view
that names none is refused to every token: a new operation is closed until it says what it is.
A browser session is not a token and has its user's rights only.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.request import Request

from accounts.models import ApiScope, ApiToken


class TokenScopePermission(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or not hasattr(view, (request.method or "").lower()):
            return True  # a session; or a method the view lacks, which answers 405
        needed: str | None
        if request.method in permissions.SAFE_METHODS:
            needed = ApiScope.READ.value
        else:
            needed = getattr(view, "token_scope", None)
        if needed is not None and token.allows(needed):
            return True
        label = ApiScope(needed).label if needed in ApiScope.values else needed
        self.message = _(
            "Ce jeton n’a pas la portée « %(scope)s » qu’il faut pour cette opération : "
            "créez-en un qui l’a, depuis « Mon compte »."
        ) % {"scope": label or _("inconnue")}
        self.code = "token_scope"
        return False
