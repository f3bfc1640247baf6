"""Pages of the chunked points runs (R2.4.5, R2.4.6): for each kind of run, a list with the
form that starts one, the start action, a progress page that htmx polls while the run goes,
and the resume action of a failed run. One ``RunPages`` per kind instead of a copy of the
four views each."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from province.loyalty import services
from province.loyalty.choices import RunStatus
from province.loyalty.forms import StartAccrualForm, StartExpiryForm
from province.loyalty.models import AccrualRun, ExpiryRun
from province.loyalty.tasks import (
    accrue_points_task,
    expire_points_task,
    start_accrual_and_queue,
    start_expiry_and_queue,
)
from shared.errors import Conflict
from shared.forms import apply_service
from shared.models import BatchRun

RUNS_SHOWN = 50


@dataclass(frozen=True)
class RunPages:
    """The pages of one kind of run; ``urls()`` gives their routes under ``<route>``.

    URL names: ``<name>s`` (list), ``<name>-start``, ``<name>`` (progress) and
    ``<name>-resume``; rights: the model's ``view_`` and ``add_`` permissions.
    """

    name: str
    model: type[BatchRun]
    form_class: type[forms.Form]
    start: Callable[[dict, object], BatchRun]  # (cleaned data, user) → the queued run
    task: object  # the Celery task that executes a run by id
    list_template: str
    detail_template: str
    started_message: str

    def _perm(self, action: str) -> str:
        return f"loyalty.{action}_{self.model._meta.model_name}"

    def _guard(self, view, action: str, *, post: bool = False):
        view = permission_required(self._perm(action), raise_exception=True)(view)
        return login_required(require_POST(view) if post else view)

    def _list(self, request, form, status=200):
        runs = self.model.objects.visible_to(request.user).select_related("started_by")
        context = {
            "runs": runs[:RUNS_SHOWN],
            "running": runs.filter(status=RunStatus.RUNNING).first(),
            "form": form,
        }
        return render(request, self.list_template, context, status=status)

    def list_view(self, request):
        return self._list(request, self.form_class())

    def start_view(self, request):
        """Start a run; the worker picks it up after the commit."""
        form = self.form_class(request.POST)
        if form.is_valid():

            def start():
                with transaction.atomic():
                    return self.start(form.cleaned_data, request.user)

            run = apply_service(form, start)
            if run is not None:
                messages.success(request, self.started_message)
                return redirect(run.get_absolute_url())
        return self._list(request, form)

    def detail_view(self, request, pk):
        """One run's progress; htmx polls the partial every 2 s while it runs."""
        run = get_object_or_404(self.model.objects.visible_to(request.user), pk=pk)
        partial = request.headers.get("HX-Request")
        template = "loyalty/_run_progress.html" if partial else self.detail_template
        return render(request, template, {"run": run, "running": run.status == RunStatus.RUNNING})

    def resume_view(self, request, pk):
        """Set a failed run going again after its last committed chunk."""
        run = get_object_or_404(self.model.objects.visible_to(request.user), pk=pk)
        try:
            with transaction.atomic():
                run = services.resume_run(run)
                transaction.on_commit(lambda: self.task.delay(run.pk))
        except Conflict as exc:
            messages.error(request, str(exc.message))
        return redirect(run.get_absolute_url())

    def urls(self, route: str) -> list:
        return [
            path(route, self._guard(self.list_view, "view"), name=f"{self.name}s"),
            path(
                f"{route}start/",
                self._guard(self.start_view, "add", post=True),
                name=f"{self.name}-start",
            ),
            path(f"{route}<int:pk>/", self._guard(self.detail_view, "view"), name=self.name),
            path(
                f"{route}<int:pk>/resume/",
                self._guard(self.resume_view, "add", post=True),
                name=f"{self.name}-resume",
            ),
        ]


ACCRUAL_RUNS = RunPages(
    name="run",
    model=AccrualRun,
    form_class=StartAccrualForm,
    start=lambda data, user: start_accrual_and_queue(data["period"], actor=user),
    task=accrue_points_task,
    list_template="loyalty/runs.html",
    detail_template="loyalty/run.html",
    started_message=_("The accrual run has started."),
)
EXPIRY_RUNS = RunPages(
    name="expiry-run",
    model=ExpiryRun,
    form_class=StartExpiryForm,
    start=lambda data, user: start_expiry_and_queue(data["as_of"], actor=user),
    task=expire_points_task,
    list_template="loyalty/rules/expiry_runs.html",
    detail_template="loyalty/rules/expiry_run.html",
    started_message=_("The expiry run has started."),
)
