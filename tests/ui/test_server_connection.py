"""Connecting to a server from the window: the form builds the URL; the sign-in dialog follows."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from cspdesk.services.errors import ValidationError
from cspdesk.services.database.workspace import server_url
from cspdesk_gui.dialogs.server_connection import ServerConnectionDialog


def test_server_url_quotes_names_and_insists_on_tls() -> None:
    from sqlalchemy import make_url

    url = make_url(server_url("db.example", "safer swale", "csp desk", "p@ss:w/rd", port=6543))
    assert (url.drivername, url.host, url.port) == ("postgresql+psycopg", "db.example", 6543)
    assert (url.username, url.password, url.database) == ("csp desk", "p@ss:w/rd", "safer swale")
    assert dict(url.query) == {"sslmode": "require"}
    assert "sslmode" not in server_url("localhost", "p", "u", "", tls=False)
    with pytest.raises(ValidationError) as err:
        server_url(" ", "p", "u", "pw")
    assert err.value.field == "host"


def test_the_form_names_a_missing_field_then_accepts(qtbot) -> None:  # noqa: ANN001
    dialog = ServerConnectionDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.host_edit, "127.0.0.1")
    qtbot.keyClicks(dialog.user_edit, "app")
    dialog.connect_button.click()
    assert dialog.url is None and dialog.isVisible()
    assert "database name" in dialog.errors.text()
    qtbot.keyClicks(dialog.database_edit, "partnership")
    qtbot.keyClicks(dialog.password_edit, "secret")
    with qtbot.waitSignal(dialog.accepted):
        dialog.connect_button.click()
    assert dialog.url == "postgresql+psycopg://app:secret@127.0.0.1:5432/partnership?sslmode=require"


@pytest.mark.postgres
def test_the_window_connects_to_a_server_and_asks_for_the_account(qtbot, make_window, demo_ctx,  # noqa: ANN001
                                                                 pg_demo_url: str) -> None:
    from sqlalchemy import make_url

    window = make_window(demo_ctx)
    dialog = window.connect_to_server()
    url = make_url(pg_demo_url)
    qtbot.keyClicks(dialog.host_edit, url.host)
    dialog.port_spin.setValue(url.port)
    qtbot.keyClicks(dialog.database_edit, url.database)
    qtbot.keyClicks(dialog.user_edit, url.username)
    qtbot.keyClicks(dialog.password_edit, url.password)
    dialog.tls_check.setChecked(False)  # the test server has no certificate
    dialog.connect_button.click()

    def sign_in_shown() -> bool:
        return any(w.objectName() == "signInDialog" and w.isVisible() for w in QApplication.topLevelWidgets())

    qtbot.waitUntil(sign_in_shown, timeout=15_000)
    sign_in = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "signInDialog")
    assert sign_in.db == dialog.url
    assert not sign_in.recover_button.isVisible()  # a server has no recovery key
    sign_in.close()


def test_a_server_url_needs_no_shared_login() -> None:
    """Issue 22 item 5: with each account's own role, the computer need hold no server login."""
    from sqlalchemy import make_url

    url = make_url(server_url("db.example", "partnership", "", ""))
    assert (url.username, url.password, url.database) == (None, None, "partnership")
    with pytest.raises(ValidationError) as err:
        server_url("db.example", "partnership", " ", "a password")
    assert err.value.field == "user"
