"""Pages for bulk import, export and merging of customers (R2.1.2).

Thin: each view checks the permission, reads its form and calls ``importing``,
``exporting`` or ``merging``, which hold the rules.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from province.customers import exporting, importing, merging
from province.customers.models import Customer, CustomerMerge
from province.customers.selectors import customer_list
from shared.errors import Conflict

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MERGE_LIST_SIZE = 100


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8 or GBK) or Excel (.xlsx), at most 50,000 rows."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("If some rows are bad"),
        choices=importing.ImportMode.choices,
        initial=importing.ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


class MergeForm(forms.Form):
    duplicate = forms.CharField(
        label=gettext_lazy("Number of the duplicate customer"), max_length=20
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


def _add_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@permission_required(importing.IMPORT_PERMISSION, raise_exception=True)
def import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importing.import_customers(
                upload.read(),
                actor=request.user,
                mode=form.cleaned_data["mode"],
                filename=upload.name,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if result.errors and result.mode == importing.ImportMode.ALL_OR_NOTHING:
                messages.error(
                    request,
                    _("%(bad)d of %(rows)d rows are bad; nothing was imported.")
                    % {"bad": len(result.bad_lines), "rows": result.rows},
                )
            else:
                messages.success(
                    request,
                    _("%(created)d customers imported, %(bad)d rows skipped.")
                    % {"created": result.created, "bad": len(result.bad_lines)},
                )
    return render(
        request,
        "customers/io/import.html",
        {"form": form, "result": result, "columns": importing.COLUMNS},
    )


@login_required
@permission_required(importing.IMPORT_PERMISSION, raise_exception=True)
def import_template_view(request, kind):
    if kind not in {"csv", "xlsx"}:
        raise Http404
    content, content_type, filename = importing.import_template(kind)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required(exporting.EXPORT_PERMISSION, raise_exception=True)
def export_view(request):
    try:
        export = exporting.export_customers(request.GET, actor=request.user, path=request.path)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:list")
    return FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type=export.content_type
    )


@login_required
@permission_required(merging.MERGE_PERMISSION, raise_exception=True)
def merge_view(request, pk):
    """Merge a duplicate into customer ``pk``: choose it, see what moves, confirm."""
    survivor = get_object_or_404(customer_list(request.user), pk=pk)
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if "duplicate" in request.GET else None
    form = MergeForm(data)
    duplicate = preview = problem = None
    if data is not None and form.is_valid():
        number = form.cleaned_data["duplicate"].strip()
        duplicate = customer_list(request.user).filter(number=number).first()
        if duplicate is None:
            form.add_error("duplicate", _("No customer you can see has this number."))
        else:
            try:
                merging.check_merge(survivor, duplicate)
            except ValidationError as exc:
                problem = " ".join(exc.messages)
            except Conflict as exc:
                problem = str(exc.message)
            preview = merging.merge_preview(duplicate)
    if request.method == "POST" and duplicate is not None and problem is None and form.is_valid():
        try:
            merging.merge_customers(
                survivor, duplicate, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except Conflict as exc:
            problem = str(exc.message)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(survivor)s.")
                % {"duplicate": duplicate, "survivor": survivor},
            )
            return redirect("customers:detail", pk=survivor.pk)
    return render(
        request,
        "customers/io/merge.html",
        {
            "survivor": survivor,
            "duplicate": duplicate,
            "form": form,
            "preview": preview,
            "problem": problem,
        },
    )


@login_required
@permission_required(merging.MERGE_PERMISSION, raise_exception=True)
def merge_list(request):
    visible = Customer.objects.visible_to(request.user)
    merges = (
        CustomerMerge.objects.filter(Q(survivor__in=visible) | Q(duplicate__in=visible))
        .select_related("survivor", "duplicate", "actor", "reverted_by")
        .order_by("-at", "-id")[:MERGE_LIST_SIZE]
    )
    return render(
        request,
        "customers/io/merge_list.html",
        {"merges": merges, "can_revert": merging.can_revert(request.user)},
    )


@login_required
@require_POST
def merge_revert(request, pk):
    if not merging.can_revert(request.user):
        raise PermissionDenied
    merge = get_object_or_404(CustomerMerge, pk=pk)
    try:
        merging.revert_merge(merge, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The merge of %(duplicate)s into %(survivor)s was reverted.")
            % {"duplicate": merge.duplicate, "survivor": merge.survivor},
        )
    return redirect("customers_io:merge-list")
