"""HQ's standards pages (R11.2): the matrix of provinces × standards (version in force,
when applied, behind, errors), and per kind the draft form, publication and releases."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hq.standards import selectors, services
from hq.standards.choices import StandardKind
from hq.standards.forms import FORMS
from hq.standards.models import StandardRelease
from shared.errors import Conflict
from shared.forms import apply_service

VIEW = "hqstandards.view_standardrelease"
EDIT = "hqstandards.change_standarddraft"
PUBLISH = "hqstandards.publish_standard"


def _kind(kind: str) -> str:
    if kind not in StandardKind.values:
        raise Http404
    return kind


@login_required
@permission_required(VIEW, raise_exception=True)
def matrix(request):
    """Provinces × kinds (plus indicator definitions): who runs which version (R11.2)."""
    return render(
        request,
        "hq_standards/matrix.html",
        {
            "columns": selectors.columns(),
            "rows": selectors.matrix(),
            "latest": selectors.latest_versions(),
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def kind_detail(request, kind):
    """The draft of one kind (editable by HQ administrators) and its published releases."""
    kind = _kind(kind)
    draft = services.draft(kind)
    form_class = FORMS[kind]
    status = 200
    if request.method == "POST":
        if not request.user.has_perm(EDIT):
            raise PermissionDenied
        form = form_class(request.POST)
        if form.is_valid() and apply_service(
            form,
            lambda: services.save_draft(
                kind,
                form.content(),
                effective_from=form.cleaned_data["effective_from"],
                actor=request.user,
            ),
        ):
            messages.success(request, _("The draft was saved."))
            return redirect("standards:kind", kind=kind)
        status = 400
    else:
        form = form_class(initial=form_class.initial_from(draft))
    context = {
        "kind": kind,
        "kind_label": StandardKind(kind).label,
        "draft": draft,
        "form": form,
        "releases": selectors.releases(kind),
        "kinds": StandardKind.choices,
    }
    return render(request, "hq_standards/kind.html", context, status=status)


@login_required
@require_POST
@permission_required(PUBLISH, raise_exception=True)
def publish(request, kind):
    kind = _kind(kind)
    try:
        release = services.publish_release(kind, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(kind)s v%(version)s was sent to every province.")
            % {"kind": release.get_kind_display(), "version": release.version},
        )
    return redirect("standards:kind", kind=kind)


@login_required
@require_POST
@permission_required(PUBLISH, raise_exception=True)
def resend(request, kind, version):
    """Send a release again to one province (``province``) or to all of them."""
    release = get_object_or_404(StandardRelease, kind=_kind(kind), version=version)
    province = request.POST.get("province") or None
    services.resend_release(release, provinces=[province] if province else None)
    messages.success(request, _("%(release)s was sent again.") % {"release": release})
    return redirect("standards:matrix")
