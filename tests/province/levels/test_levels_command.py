"""``regrade_levels`` and the monthly beat task (R2.2): progress on the command line, a
queued run without ``--sync``, one run per province from the beat."""

import io

import pytest
from django.core.management import CommandError, call_command

from province.levels.models import RegradingRun
from province.levels.tasks import regrade_all_provinces_task
from tests.conftest import in_tenant
from tests.factories import make_org
from tests.province.levels.levels_helpers import customer_paying

pytestmark = pytest.mark.django_db


def test_r2_2_command_runs_synchronously_with_a_progress_bar():
    with in_tenant("bj"):
        org = make_org()
        for paid in (320, 160, 50):
            customer_paying(org.manager_a, paid)
    out = io.StringIO()
    call_command(
        "regrade_levels", "--province", "bj", "--as-of", "2025-07", "--sync",
        "--chunk-size", "1", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "bj [" in text and "##############################" in text
    assert "proposed 2 changes (2 up, 0 down)" in text
    with in_tenant("bj"):
        run = RegradingRun.objects.get()
        assert (run.status, run.as_of.isoformat(), run.proposals) == ("done", "2025-07-01", 2)


def test_r2_2_command_without_sync_queues_the_task(django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("regrade_levels", "--province", "bj", stdout=out)
    assert len(callbacks) == 1 and "queued" in out.getvalue()
    with in_tenant("bj"):
        assert RegradingRun.objects.get().status == "running"


def test_r2_2_command_refuses_a_bad_month():
    with pytest.raises(CommandError):
        call_command("regrade_levels", "--province", "bj", "--as-of", "July")


def test_r2_2_monthly_beat_starts_a_run_in_every_province(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        started = regrade_all_provinces_task()
    assert started == 2 and len(callbacks) == 2
    for schema in ("bj", "sh"):
        with in_tenant(schema):
            assert RegradingRun.objects.filter(status="running").count() == 1
