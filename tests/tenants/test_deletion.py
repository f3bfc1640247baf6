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
