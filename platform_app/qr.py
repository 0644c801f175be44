"""The enrolment page's QR code, drawn on the server as SVG (no script; the CSP allows
`data:` images), and the secret as text for apps that cannot scan."""

from __future__ import annotations

import base64
from base64 import b32encode

import qrcode
import qrcode.image.svg


def qr_svg_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg: str = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def secret_for_typing(bin_key: bytes) -> str:
    """The base32 secret in groups of four, as authenticator apps ask for it."""
    secret = b32encode(bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
