"""Security headers on every response, and the session cookie's flags.

The app loads nothing from outside (no internet, ever), so the Content-Security-Policy allows
only this server: scripts, styles, images, fonts and the websocket. NiceGUI's pages run inline
scripts and Vue templates, hence 'unsafe-inline' and 'unsafe-eval' for scripts; everything
else is as strict as it goes. No page may be framed (clickjacking), types are never sniffed,
and under TLS the browser is told to keep to HTTPS (HSTS) and the session cookie is Secure.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"


def security_headers(tls: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]
    if tls:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeaders:
    """ASGI middleware adding `security_headers` to every HTTP response."""

    def __init__(self, app, tls: bool = False) -> None:
        self.app = app
        self.headers = security_headers(tls)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [
                    *message.get("headers", []),
                    *(h for h in self.headers if h[0] not in present),
                ]}
            await send(message)

        await self.app(scope, receive, with_headers)


def session_cookie_options(tls: bool) -> dict:
    """NiceGUI's session middleware: HttpOnly always, SameSite strict, Secure under TLS."""
    return {"same_site": "strict", "https_only": tls}
