"""Forms of the org pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from project.org.roster_import import RosterFileError, check_file

ROSTER_EXTENSIONS = (".csv", ".xlsx")


class RosterUploadForm(forms.Form):
    """A roster file, refused unless it is a real CSV or XLSX under the size limit."""

    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8 or GB18030) or Excel workbook (.xlsx); the first row is the header."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ROSTER_EXTENSIONS)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content = b""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit: int = settings.MAX_UPLOAD_BYTES
        if upload.size is None or upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is larger than %(limit)s; split it into smaller files.")
                % {"limit": filesizeformat(limit)}
            )
        name = upload.name or ""
        if not name.lower().endswith(ROSTER_EXTENSIONS):
            raise forms.ValidationError(gettext("Upload a .csv or .xlsx file."))
        # Read one byte more than allowed: the declared size comes from the client.
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise forms.ValidationError(
                gettext("The file is larger than %(limit)s; split it into smaller files.")
                % {"limit": filesizeformat(limit)}
            )
        try:
            check_file(content, name)
        except RosterFileError as error:
            raise forms.ValidationError(str(error)) from None
        self.content = content
        return upload


class RosterConfirmForm(forms.Form):
    """The confirmation of a previewed import: only the token of the file kept on the server."""

    # The shape of what secrets.token_urlsafe gives: anything else never reaches the storage lookup.
    token = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(r"^[A-Za-z0-9_-]{20,64}$")])
