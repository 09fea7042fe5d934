from __future__ import annotations

from django.template import Context, Template
from django.urls import reverse

from ent.moderation import actions
from ent.moderation.models import Report, Status

from .conftest import KIND


def _report_url(cast):
    return reverse("moderation:report", args=[KIND, cast.school_class.pk])


def test_the_report_link_include_points_to_the_form(cast, hidden):
    html = Template(
        '{% include "moderation/_report_link.html" with kind=k object_id=pk label="3eA" %}'
    ).render(Context({"k": KIND, "pk": cast.school_class.pk}))
    assert f'href="{_report_url(cast)}"' in html
    assert "3eA" in html


def test_anonymous_is_sent_to_the_login_page(client, cast, hidden):
    assert client.get(_report_url(cast)).status_code == 302
    assert client.get(reverse("moderation:home")).status_code == 302


def test_a_parent_reports_from_the_form_and_goes_back_to_the_content(client, cast, hidden):
    client.force_login(cast.guardian)
    page = client.get(_report_url(cast))
    assert page.status_code == 200
    assert "3eA" in page.content.decode()
    empty = client.post(_report_url(cast), {"reason": "  "})
    assert empty.status_code == 422
    response = client.post(_report_url(cast), {"reason": "Insultes"})
    assert response.status_code == 302
    assert response["Location"] == f"/annuaire/classes/{cast.school_class.pk}/"
    twice = client.post(_report_url(cast), {"reason": "Encore"})
    assert twice.status_code == 422
    assert "already reported" in twice.content.decode()
    mine = client.get(reverse("moderation:home")).content.decode()
    assert 'data-status="OPEN"' in mine


def test_an_outsider_or_an_unknown_kind_gets_404(client, cast, hidden):
    client.force_login(cast.outsider)
    assert client.get(_report_url(cast)).status_code == 404
    assert client.post(_report_url(cast), {"reason": "x"}).status_code == 404
    client.force_login(cast.guardian)
    assert client.get(reverse("moderation:report", args=["no.kind", 1])).status_code == 404
    assert not Report.objects.exists()


def test_the_head_sees_the_report_and_hides_the_content(
    client, cast, hidden, django_assert_max_num_queries
):
    report = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="Insultes"
    )
    client.force_login(cast.head)
    page = client.get(reverse("moderation:home")).content.decode()
    assert f'data-report="{report.pk}"' in page
    assert "Insultes" in page
    with django_assert_max_num_queries(25):
        client.get(reverse("moderation:home"))
    decide = reverse("moderation:report-decide", args=[report.pk])
    assert client.post(decide, {"decision": "erase"}).status_code == 422
    response = client.post(decide, {"decision": "hide", "note": "Retiré"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.HIDDEN
    assert hidden.items == [(cast.head.pk, cast.school_class.pk)]
    assert client.post(decide, {"decision": "dismiss"}).status_code == 422
    assert "No report waits for you" in client.get(reverse("moderation:home")).content.decode()


def test_someone_who_does_not_moderate_neither_sees_nor_decides(client, cast, hidden):
    report = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="Insultes"
    )
    client.force_login(cast.teacher)
    assert (
        f'data-report="{report.pk}"' not in client.get(reverse("moderation:home")).content.decode()
    )
    decide = reverse("moderation:report-decide", args=[report.pk])
    assert client.post(decide, {"decision": "hide"}).status_code == 404
    assert client.post(reverse("moderation:report-decide", args=[10**9]), {}).status_code == 404
    report.refresh_from_db()
    assert report.is_open
