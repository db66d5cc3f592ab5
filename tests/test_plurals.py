"""Counts read right: "1 activity", "2 activities"."""

from django.urls import reverse

from overlaps.exports import reasons_sentence

from .factories import ActivityFactory, JointInitiativeFactory


def test_priority_list_counts_in_the_singular_and_the_plural(client, alice, iom, ilo):
    from priorities.models import Priority

    a = Priority.objects.get(code="a")
    ActivityFactory(agency=iom, priorities=[a])
    JointInitiativeFactory(lead_agency=iom, priorities=[a])
    b = Priority.objects.get(code="b")
    ActivityFactory(agency=iom, priorities=[b])
    ActivityFactory(agency=ilo, priorities=[b])
    client.force_login(alice)
    html = client.get(reverse("priority-list")).content.decode()
    assert "1 activity · 1 agency · 1 joint initiative" in html
    assert "2 activities · 2 agencies · 0 joint initiatives" in html
    assert "1 activities" not in html and "1 agencies" not in html


def test_overlap_reasons_count_days_right():
    assert "overlap in time: 1 day" in reasons_sentence({"overlap_days": 1})
    assert "1 days" not in reasons_sentence({"overlap_days": 1})
    assert "overlap in time: 30 days" in reasons_sentence({"overlap_days": 30})
