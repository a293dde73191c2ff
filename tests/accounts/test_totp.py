from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.totp import qr_svg, secret_for_humans
from tests.accounts.factories import totp_device
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_secret_shown_is_the_one_in_the_qr_code_address():
    device = totp_device(UserFactory(email="ana@example.fr"), confirmed=False)

    url = urlsplit(device.config_url)
    params = parse_qs(url.query)

    assert url.scheme == "otpauth" and url.netloc == "totp"
    assert url.path == "/Chorus%3Aana%40example.fr"
    assert params["issuer"] == ["Chorus"]
    assert params["secret"] == [secret_for_humans(device).replace(" ", "")]


def test_the_qr_code_is_an_accessible_svg_with_a_light_background():
    device = totp_device(UserFactory(), confirmed=False)

    svg = qr_svg(device, label='QR "code" <à scanner>')

    assert svg.startswith('<svg role="img" aria-label="QR &quot;code&quot; &lt;à scanner&gt;"')
    assert '<rect fill="white"' in svg
    assert svg.rstrip().endswith("</svg>")
