"""Deleting a row that other apps reference works in every tenant type: the deletion
collector skips apps whose tables the current schema does not have (tenants/deletion.py)."""

import pytest

from shared.accounts.models import User
from tests.conftest import in_tenant

pytestmark = pytest.mark.django_db


def test_a_user_can_be_deleted_at_hq_although_province_models_reference_users(bj):
    with in_tenant("hq"):
        user = User.objects.create_user("leaver-hq", password="x")
        user.delete()
        assert not User.objects.filter(username="leaver-hq").exists()


def test_a_user_can_be_deleted_in_a_province_although_hq_models_reference_users(bj):
    with in_tenant("bj"):
        user = User.objects.create_user("leaver-bj", password="x")
        user.delete()
        assert not User.objects.filter(username="leaver-bj").exists()


def test_relations_of_the_current_schema_are_still_collected(bj):
    from django.db.models import ProtectedError

    from tests.factories import make_org, make_staff

    with in_tenant("bj"):
        staff = make_staff(make_org().team_a, name="Protected")
        with pytest.raises(ProtectedError):  # Staff.user is PROTECT: still enforced
            staff.user.delete()


def test_deleting_many_rows_is_one_statement_not_a_fetch_of_each(bj):
    """django-tenants' tenant-drop listener no longer listens to every model, so a plain
    table's ``queryset.delete()`` is a single DELETE (it fetched every row before)."""
    from datetime import date

    from django.db import connection
    from django.db.models import signals
    from django.test.utils import CaptureQueriesContext

    from hq.indicators.models import IndicatorFact
    from tenants.models import Tenant

    with in_tenant("hq"):
        IndicatorFact.objects.bulk_create(
            IndicatorFact(
                province="bj",
                indicator=f"X{n}",
                period=date(2026, 10, 1),
                value=n,
                definitions_version=1,
            )
            for n in range(50)
        )
        with CaptureQueriesContext(connection) as queries:
            deleted, _ = IndicatorFact.objects.filter(province="bj").delete()
    assert deleted == 50
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SET", "SAVEPOINT"))]
    assert len(statements) == 1 and statements[0].startswith("DELETE")
    assert signals.post_delete.has_listeners(Tenant)  # a deleted tenant still drops its schema
