"""Site-wide guards."""

from django.urls import reverse

from .factories import ActivityFactory

SCRIPT = "<script>alert(1)</script>"


def test_digest_preview_escapes_the_plain_text_part(client, sam, iom):
    ActivityFactory(agency=iom, title=f"Survey {SCRIPT}")
    client.force_login(sam)
    response = client.get(reverse("digests:preview"))
    html = response.content.decode()
    assert "Survey &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html
