"""API conventions of the base classes (DESIGN.md §2)."""

import pytest
from rest_framework.test import APIRequestFactory

from province.org.models import OrgUnit
from shared.api.pagination import OrderedCursorPagination


class _View:
    pass


@pytest.mark.django_db
def test_pagination_refuses_an_unordered_queryset(bj):
    request = APIRequestFactory().get("/")
    from rest_framework.request import Request

    unordered = OrgUnit.objects.all().order_by()
    with pytest.raises(AssertionError, match="unordered"):
        OrderedCursorPagination().paginate_queryset(unordered, Request(request), _View())
