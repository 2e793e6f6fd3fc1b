"""The monitoring rules' parameters are policy settings, kept in Django admin (audited). Findings
are the data team's, reviewed on their own pages: admin is no back door to them."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html_join

from monitoring import rules
from monitoring.models import Rule


class RuleForm(forms.ModelForm[Rule]):
    class Meta:
        model = Rule
        fields = ("name", "description", "enabled", "parameters")

    def clean_parameters(self) -> dict[str, Any]:
        raw = self.cleaned_data["parameters"] or {}
        try:
            rules.validate(self.instance.kind, raw)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return dict(raw)


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
    form = RuleForm
    list_display = ("name", "kind", "enabled", "updated_at")
    readonly_fields = ("kind", "parameters_in_force", "parameter_guide")
    fields = (
        "kind",
        "name",
        "description",
        "enabled",
        "parameters",
        "parameters_in_force",
        "parameter_guide",
    )

    @admin.display(description="In force (with defaults)")
    def parameters_in_force(self, rule: Rule) -> str:
        try:
            return json.dumps(rules.validate(rule.kind, rule.parameters), indent=1)
        except ValidationError as error:
            return "; ".join(error.messages)

    @admin.display(description="Parameters this rule takes")
    def parameter_guide(self, rule: Rule) -> str:
        spec = rules.PARAMETERS.get(rule.kind, {})
        return format_html_join(
            "",
            "<p><code>{}</code> (default <code>{}</code>): {}</p>",
            ((name, json.dumps(p.default), p.help) for name, p in spec.items()),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one rule per kind, made by migration

    def has_delete_permission(self, request: HttpRequest, obj: Rule | None = None) -> bool:
        return False  # switch a rule off instead: its findings keep pointing at it
