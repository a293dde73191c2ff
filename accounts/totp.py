"""What a user needs to set an authenticator app up: a QR code and the secret in base 32."""

from __future__ import annotations

from base64 import b32encode

import qrcode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage


def qr_svg(device: TOTPDevice, *, label: str) -> SafeString:
    """The device's ``otpauth://`` address as an inline SVG (a white background, so that
    it stays readable in the dark theme)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathFillImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    attributes = f'<svg role="img" aria-label="{escape(label)}" class="chorus-qr" '
    # The markup is the QR library's own output around a path it computed: nothing from the
    # user reaches it except through the escaped label.
    return mark_safe(svg.replace("<svg ", attributes, 1))  # noqa: S308


def secret_for_humans(device: TOTPDevice) -> str:
    """The secret as apps expect it when typed: base 32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
