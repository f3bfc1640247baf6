"""Pages of the org app: the tree, the staff list, and forms to change both (R9.2)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from province.org import services
from province.org.filters import StaffFilterSet
from province.org.forms import OrgUnitForm, StaffForm
from province.org.models import OrgUnit, Staff
from province.org.selectors import org_tree
from shared.forms import apply_service


@login_required
@permission_required("org.view_orgunit", raise_exception=True)
def tree(request):
    return render(request, "org/tree.html", {"roots": org_tree(request.user)})


@login_required
@permission_required("org.view_staff", raise_exception=True)
def staff_list(request):
    queryset = (
        Staff.objects.visible_to(request.user)
        .select_related("org_unit", "user")
        .prefetch_related("user__groups")
        .order_by("employee_no")
    )
    filterset = StaffFilterSet(request.GET or None, queryset=queryset)
    filterset.form.fields["under"].queryset = OrgUnit.objects.visible_to(request.user)
    filterset.form.fields["org_unit"].queryset = OrgUnit.objects.visible_to(request.user)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    template = (
        "org/_staff_rows.html" if request.headers.get("HX-Request") else "org/staff_list.html"
    )
    return render(request, template, {"filter": filterset, "page": page})


@login_required
def unit_form(request, pk=None):
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk) if pk else None
    permission = "org.change_orgunit" if unit else "org.add_orgunit"
    if not request.user.has_perm(permission):
        return render(request, "403.html", status=403)
    form = OrgUnitForm(request.POST or None, instance=unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if unit:
            saved = apply_service(
                form, lambda: services.update_org_unit(unit, actor=request.user, **data)
            )
        else:
            saved = apply_service(
                form, lambda: services.create_org_unit(actor=request.user, **data)
            )
        if saved:
            messages.success(request, _("Saved %(unit)s.") % {"unit": saved})
            return redirect("org:tree")
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})


@login_required
def staff_form(request, pk=None):
    staff = get_object_or_404(Staff.objects.visible_to(request.user), pk=pk) if pk else None
    permission = "org.change_staff" if staff else "org.add_staff"
    if not request.user.has_perm(permission):
        return render(request, "403.html", status=403)
    form = StaffForm(request.POST or None, instance=staff, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        roles = data.pop("roles")
        username = data.pop("username", None)
        password = data.pop("password", None)
        if staff:
            saved = apply_service(
                form,
                lambda: services.update_staff(staff, actor=request.user, roles=roles, **data),
            )
        else:
            saved = apply_service(
                form,
                lambda: services.create_staff(
                    actor=request.user,
                    username=username,
                    password=password,
                    roles=roles,
                    **data,
                ),
            )
        if saved:
            messages.success(request, _("Saved %(staff)s.") % {"staff": saved})
            return redirect("org:staff-list")
    return render(request, "org/staff_form.html", {"form": form, "staff": staff})
