from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.web.responses import private_page


def test_private_page_is_kept_in_no_cache() -> None:
    page = private_page("accounts/login.html", email="a@b.se")
    assert page.template_name == "accounts/login.html"
    assert page.context == {"email": "a@b.se"}
    assert page.status_code == HTTP_200_OK
    assert page.headers["Cache-Control"] == "no-store"


def test_private_pages_do_not_share_their_headers() -> None:
    first = private_page("a.html", HTTP_422_UNPROCESSABLE_ENTITY)
    first.headers["Retry-After"] = "5"
    assert first.status_code == HTTP_422_UNPROCESSABLE_ENTITY
    assert "Retry-After" not in private_page("a.html").headers
