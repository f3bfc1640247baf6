"""Pages of the customer master (R2.1.2): list with filters and search, detail with tabs,
create/edit, transfer between account managers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from province.customers import services
from province.customers.filters import CustomerFilterSet
from province.customers.forms import CustomerForm, TransferForm
from province.customers.selectors import (
    customer_history,
    customer_list,
    open_blacklist_entry,
)
from province.org.models import OrgUnit, Staff
from shared.accounts.services import record_personal_data_access
from shared.errors import Conflict
from shared.forms import apply_service
from shared.masking import mask_mobile, mask_resident_id

PAGE_SIZE = 50
LEVEL_FIELDS = {"level", "is_strategic", "credit_grade", "credit_limit"}


SORTS = {
    "name": ("name", "pk"),
    "number": ("number",),
    "joined_on": ("joined_on", "pk"),
    "-joined_on": ("-joined_on", "-pk"),
}
SORT_LABELS = [
    ("", gettext_lazy("Newest first")),
    ("name", gettext_lazy("Name")),
    ("number", gettext_lazy("Customer number")),
    ("joined_on", gettext_lazy("Longest-standing first")),
    ("-joined_on", gettext_lazy("Most recent first")),
]


def _page(queryset, params) -> dict:
    """One page of rows and the query parameter that fetches the next one, without a COUNT
    over the province. Newest first (the default) pages by keyset on the id; other sorts
    page by offset, which is fine for the first pages people actually look at."""
    sort = params.get("sort", "")
    if sort in SORTS:
        number = int(params["page"]) if params.get("page", "").isdigit() else 1
        start = (max(number, 1) - 1) * PAGE_SIZE
        rows = list(queryset.order_by(*SORTS[sort])[start : start + PAGE_SIZE + 1])
        more = {"page": max(number, 1) + 1}
    else:
        after = params.get("after", "")
        if after.isdigit():
            queryset = queryset.filter(pk__lt=int(after))
        rows = list(queryset.order_by("-pk")[: PAGE_SIZE + 1])
        more = {"after": rows[PAGE_SIZE - 1].pk} if len(rows) > PAGE_SIZE else {}
    return {"rows": rows[:PAGE_SIZE], "more": more if len(rows) > PAGE_SIZE else {}}


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list_view(request):
    filterset = CustomerFilterSet(request.GET or None, queryset=customer_list(request.user))
    filterset.form.fields["account_manager"].queryset = Staff.objects.visible_to(request.user)
    filterset.form.fields["under"].queryset = OrgUnit.objects.visible_to(request.user)
    page = _page(filterset.qs, request.GET)
    unmask = request.user.has_perm("accounts.unmask_personal_data")
    for row in page["rows"]:
        row.shown_phone = row.phone if unmask else mask_mobile(row.phone)
    query = request.GET.copy()
    for paging in ("after", "page"):
        query.pop(paging, None)
    more = query.copy()
    more.update(page["more"])
    context = {
        "filter": filterset,
        "rows": page["rows"],
        "next_query": more.urlencode() if page["more"] else "",
        "query": query.urlencode(),
        "sort": request.GET.get("sort", ""),
        "sort_labels": SORT_LABELS,
        "saved_views": request.user.saved_views.filter(page="customers"),
        "saved_views_page": "customers",
        "transfer_form": TransferForm(user=request.user),
        "can_transfer": request.user.has_perm("customers.transfer_customer"),
    }
    template = (
        "customers/_rows.html" if request.headers.get("HX-Request") else "customers/list.html"
    )
    return render(request, template, context)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, pk):
    customer = get_object_or_404(customer_list(request.user), pk=pk)
    unmask = request.user.has_perm("accounts.unmask_personal_data")
    contacts = list(customer.contacts.all())
    if unmask:
        seen = {"customers.Customer": {"ids": {customer.pk}, "fields": {"phone", "certificate_no"}}}
        if contacts:
            seen["customers.Contact"] = {"ids": {c.pk for c in contacts}, "fields": {"mobile"}}
        record_personal_data_access(request.user, request.path, seen)
    history = customer_history(customer)
    context = {
        "customer": customer,
        "phone": customer.phone if unmask else mask_mobile(customer.phone),
        "certificate": customer.certificate_no
        if unmask
        else mask_resident_id(customer.certificate_no),
        "contacts": [
            (contact, contact.mobile if unmask else mask_mobile(contact.mobile))
            for contact in contacts
        ],
        "products": customer.products.select_related("product", "account"),
        "bills": customer.bills.select_related("account")[:24],
        "payments": customer.payments.select_related("account")[:24],
        "members": customer.members.all()[:100],
        "history": history,
        "level_history": [
            h for h in history if any(c["field"] in LEVEL_FIELDS for c in h["changes"])
        ],
        "unmask": unmask,
        "blacklisting": open_blacklist_entry(customer)
        if request.user.has_perm("customers.view_blacklistentry")
        else None,
        "blacklist_history": customer.blacklist_entries.select_related("listed_by", "lifted_by")
        if request.user.has_perm("customers.view_blacklistentry")
        else (),
    }
    return render(request, "customers/detail.html", context)


@login_required
@require_POST
@permission_required("customers.manage_blacklist", raise_exception=True)
def blacklist(request, pk):
    """Put the customer on the blacklist (``lift`` set: take them off), with a reason."""
    customer = get_object_or_404(customer_list(request.user), pk=pk)
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("lift"):
            services.lift_blacklist(customer, actor=request.user, reason=reason)
            messages.success(request, _("The customer was taken off the blacklist."))
        else:
            services.blacklist_customer(customer, actor=request.user, reason=reason)
            messages.success(request, _("The customer was blacklisted."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:detail", pk=customer.pk)


@login_required
def customer_form(request, pk=None):
    customer = get_object_or_404(customer_list(request.user), pk=pk) if pk else None
    if not request.user.has_perm("customers.change_customer" if pk else "customers.add_customer"):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (k == "joined_on" and v is None)}
        if customer:
            saved = apply_service(
                form, lambda: services.update_customer(customer, actor=request.user, **data)
            )
        else:
            saved = apply_service(
                form, lambda: services.create_customer(actor=request.user, **data)
            )
        if saved:
            messages.success(request, _("Saved %(customer)s.") % {"customer": saved})
            return redirect("customers:detail", pk=saved.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
@permission_required("customers.transfer_customer", raise_exception=True)
def transfer(request):
    if request.method != "POST":
        return redirect("customers:list")
    form = TransferForm(request.POST, user=request.user)
    ids = [int(i) for i in request.POST.getlist("customers") if i.isdigit()]
    if not ids:
        messages.error(request, _("Choose at least one customer."))
    elif form.is_valid():
        try:
            moved = services.transfer_customers(
                ids,
                form.cleaned_data["to_manager"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("%(count)d customers transferred to %(manager)s.")
                % {"count": len(moved), "manager": form.cleaned_data["to_manager"].name},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(request.POST.get("next") or "customers:list")
