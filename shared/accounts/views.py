"""Saving and deleting a list page's view (filters and sort) for the signed-in user."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shared.accounts.services import delete_view, save_view


def _back(request):
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def save_view_view(request):
    try:
        save_view(
            request.user,
            page=request.POST.get("page", "")[:64],
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(request)


@login_required
@require_POST
def delete_view_view(request, pk):
    delete_view(request.user, pk)
    return _back(request)
