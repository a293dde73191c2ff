"""DRF serializers used without building their fields on every request.

A DRF serializer deep-copies its declared fields each time it is instantiated (a serializer of
forty fields costs more to build than to fill), and a nested one does it again for every object.
The fields themselves keep no state of a request: ``to_representation`` and ``run_validation``
only read them. So each serializer class used here is built once per process and its bound
fields reused: the same output, the same errors, a fraction of the CPU (issue 15, the single
API deposit). Safe under threads: nothing is written on the shared instance.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

# One bound serializer per class, built on first use (a race builds it twice, harmlessly).
_PROTOTYPES: dict[type[Any], Any] = {}


def _prototype(serializer_class: type[serializers.BaseSerializer[Any]]) -> Any:
    prototype: Any = _PROTOTYPES.get(serializer_class)
    if prototype is None:
        prototype = serializer_class()
        prototype.fields  # noqa: B018 (built now, once: the cached property binds them)
        _PROTOTYPES[serializer_class] = prototype
    return prototype


def represent(serializer_class: type[serializers.BaseSerializer[Any]], instance: Any) -> Any:
    """``serializer_class(instance).data``: the object as the serializer writes it."""
    return _prototype(serializer_class).to_representation(instance)


def represent_many(
    serializer_class: type[serializers.BaseSerializer[Any]], items: Any
) -> list[Any]:
    """``serializer_class(items, many=True).data``: each item as the serializer writes it."""
    prototype = _prototype(serializer_class)
    return [prototype.to_representation(item) for item in items]


def validated(serializer_class: type[serializers.Serializer[Any]], data: Any) -> Any:
    """``s = serializer_class(data=data); s.is_valid(raise_exception=True); s.validated_data``:
    the validated data, or the same ``ValidationError`` (each field's messages) raised.

    For serializers that validate their input alone (no ``context``, no ``instance``). A refused
    input is judged again the usual way, so that its errors are DRF's own to the letter (the
    edge cases of ``Serializer.errors`` included); only the accepted path is shortened."""
    try:
        return _prototype(serializer_class).run_validation(data)
    except ValidationError:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
