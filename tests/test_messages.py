"""Messages name the problem and the fix, and options that shape them take effect."""

from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source

SOURCE = "import requests\nrequests.get('https://example.com')\n"


def test_be014_message_suggests_the_configured_timeout():
    [default] = lint_source(SOURCE)
    assert default.message == ("BE014 requests.get() has no timeout; pass timeout=(3.05, 27) "
                               "(connect, read seconds)")
    [custom] = lint_source(SOURCE, settings=build_settings({"timeout-suggestion": "HTTP_TIMEOUT"}))
    assert "pass timeout=HTTP_TIMEOUT" in custom.message
