"""One error body for every API failure: ``{"code", "message", "fields"}``.

Bad input is a 4xx with messages per field in the user's language, never a 500: Django
validation errors from services become 400, conflicts (``shared.errors.Conflict``, a
protected row, a unique clash) become 409.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from shared.errors import Conflict


def _first_message(fields) -> str | None:
    if isinstance(fields, dict):
        for value in fields.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(fields, list):
        for value in fields:
            found = _first_message(value)
            if found:
                return found
    elif fields:
        return str(fields)
    return None


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, Conflict):
        body = {"code": exc.code, "message": str(exc.message), "fields": exc.fields}
        if exc.link:
            body["link"] = exc.link
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        message = _("This record is still referenced by other records and cannot be deleted.")
        return Response(
            {"code": "protected", "message": message, "fields": {}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        message = _("The change conflicts with existing data.")
        return Response(
            {"code": "conflict", "message": message, "fields": {}},
            status=status.HTTP_409_CONFLICT,
        )

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        general = fields.get("non_field_errors") if isinstance(fields, dict) else None
        response.data = {
            "code": "invalid",
            "message": _first_message(general) or _("Please correct the errors in the fields."),
            "fields": fields,
        }
    else:
        detail = getattr(exc, "detail", None)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"code": str(code), "message": str(detail or exc), "fields": {}}
    return response
