from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from integration import registry
from integration.models import DataSet, SourceSystem
from qc_portal.models import Department


def record_type_choices() -> list[tuple[str, str]]:
    return [
        (name, f"{name} — {inbound.description}" if inbound.description else name)
        for name, inbound in sorted(registry.types().items())
    ]


class SourceSystemForm(forms.Form):
    code = forms.SlugField(label=pgettext_lazy("integration", "Code"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("integration", "Name"), max_length=120)
    owning_department = forms.ModelChoiceField(
        label=pgettext_lazy("integration", "Owning department"),
        queryset=Department.objects.order_by("code"),
    )
    allowed_record_types = forms.MultipleChoiceField(
        label=_("Record types it may send"),
        choices=record_type_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    expected_frequency_minutes = forms.IntegerField(
        label=pgettext_lazy("integration", "Expected frequency (minutes)"),
        min_value=1,
        initial=60,
        help_text=_("Silence longer than this raises an alert."),
    )

    @classmethod
    def for_update(cls, source: SourceSystem, data=None):
        form = cls(
            data,
            initial={
                "code": source.code,
                "name": source.name,
                "owning_department": source.owning_department_id,
                "allowed_record_types": source.allowed_record_types,
                "expected_frequency_minutes": source.expected_frequency_minutes,
            },
        )
        form.fields["code"].disabled = True
        return form


class DataSetForm(forms.Form):
    code = forms.SlugField(label=pgettext_lazy("integration", "Code"), max_length=60)
    name_zh = forms.CharField(label=pgettext_lazy("integration", "Chinese name"), max_length=120)
    name_en = forms.CharField(label=pgettext_lazy("integration", "English name"), max_length=120)
    domain = forms.CharField(label=pgettext_lazy("integration", "Domain"), max_length=60)
    owning_system = forms.ModelChoiceField(
        label=pgettext_lazy("integration", "Owning system"),
        queryset=SourceSystem.objects.order_by("code"),
    )
    owning_department = forms.ModelChoiceField(
        label=pgettext_lazy("integration", "Owning department"),
        queryset=Department.objects.order_by("code"),
    )
    record_types = forms.MultipleChoiceField(
        label=pgettext_lazy("integration", "Record types"),
        choices=record_type_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sensitivity = forms.ChoiceField(
        label=pgettext_lazy("integration", "Sensitivity"), choices=DataSet.Sensitivity.choices
    )
    refresh_frequency = forms.ChoiceField(
        label=pgettext_lazy("integration", "Refresh frequency"), choices=DataSet.Refresh.choices
    )
    description = forms.CharField(
        label=pgettext_lazy("integration", "Description"), widget=forms.Textarea, required=False
    )
