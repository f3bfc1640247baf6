"""Serializer fields for personal data: masked unless the reader may unmask (R2.1.2).

Every unmasked value shown is noted on the request; the base viewset writes one audit row
per request (``PersonalDataAccess``) listing the objects and fields seen.
"""

from rest_framework import serializers

UNMASK_PERMISSION = "accounts.unmask_personal_data"


def note_unmasked(request, obj, field_name: str) -> None:
    seen = request.__dict__.setdefault("_unmasked_personal_data", {})
    key = obj._meta.label
    entry = seen.setdefault(key, {"ids": set(), "fields": set()})
    entry["ids"].add(obj.pk)
    entry["fields"].add(field_name)


class MaskedCharField(serializers.CharField):
    """A CharField whose output is masked by ``mask`` for readers without the unmask right."""

    def __init__(self, *, mask, **kwargs):
        self.mask = mask
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        self._instance = instance
        return super().get_attribute(instance)

    def to_representation(self, value):
        value = super().to_representation(value)
        request = self.context.get("request")
        if not value or request is None:
            return value
        if request.user.has_perm(UNMASK_PERMISSION):
            note_unmasked(request, self._instance, self.field_name)
            return value
        return self.mask(value)
