"""In headless Chromium, with the Content-Security-Policy enforced: a secretariat member signs
in, is held at the set-up of two-step sign-in, sets up an authenticator app from the setup key
on the page, and next time signs in with a code from it."""

import time

import pytest
from playwright.sync_api import expect

from .test_sign_in_two_step import totp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("two_step_required"),
]


def password_step(page, live_server, email, password):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_secretariat_sets_up_an_authenticator_app_and_signs_in_with_it(
    page, live_server, sam, password
):
    password_step(page, live_server, sam.email, password)
    # Held: nothing but the set-up, which first asks for the password again.
    expect(page.get_by_text("must use two-step sign-in")).to_be_visible()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    first_code = totp(secret)
    page.get_by_label("Authenticator code").fill(first_code)
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(
        page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")
    ).to_have_count(10)
    page.get_by_role("link", name="Go to the portal").click()
    expect(page).to_have_url(live_server.url + "/")
    page.get_by_role("button", name="Sign out").click()

    # A code is accepted once: wait for the app's next one.
    while totp(secret) == first_code:
        time.sleep(1)
    password_step(page, live_server, sam.email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    page.get_by_label("Code").fill(totp(secret))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
