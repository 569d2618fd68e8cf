"""Real browser at 1 024 × 768 (issue 10, item 10): the menu, the header, the snapshot
activation page and the audit page read without overlap nor truncated labels, and the whole
page never scrolls sideways; an unknown address is a French page inside the frame. See
test_browser.py for the server and Chromium set-up. Screenshots in test-artifacts/."""

from __future__ import annotations

# Fixtures and helpers shared with the other walks (it skips when Playwright or Chromium lack).
from test_browser import ARTIFACTS, browser, live_app, pytestmark, sign_in

__all__ = ["browser", "live_app", "pytestmark"]

WIDTH = 1024
# Elements whose text must be whole on screen: every menu button, the header's parts.
CLIPPED_OR_OVERLAPPING = """() => {
  const boxes = [];
  const problems = [];
  const parts = [...document.querySelectorAll('.q-drawer .q-btn, .q-header .q-btn, '
    + '.q-header .q-badge, .q-header div.row > div')];
  for (const el of parts) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    const content = el.querySelector('.q-btn__content') || el;
    if (content.scrollWidth > content.clientWidth + 1 || r.right > window.innerWidth + 1) {
      problems.push('truncated: ' + el.innerText);
    }
    if (content.getBoundingClientRect().height > 48 && el.closest('.q-drawer')) {
      problems.push('wraps: ' + el.innerText);
    }
    boxes.push([el, r]);
  }
  const drawer = document.querySelector('.q-drawer').getBoundingClientRect();
  const main = document.querySelector('.q-page').getBoundingClientRect();
  if (main.left < drawer.right - 1) problems.push('content under the menu');
  return problems;
}"""


def _new_page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 768}, locale="fr-FR")
    return context, context.new_page()


def _check_width(page, name: str) -> None:
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"i10-1024-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
    assert page.evaluate(CLIPPED_OR_OVERLAPPING) == [], name


def test_the_admin_pages_read_at_1024_px(live_app, browser) -> None:
    base, _ = live_app
    context, page = _new_page(browser)
    try:
        sign_in(page, base, "admin", "Demo-Admin-2026!")
        page.goto(f"{base}/")  # the admin lands on the dashboard: the snapshot page is "/"
        page.get_by_text("Instantané activé sans rejet.").first.wait_for(timeout=15_000)
        _check_width(page, "snapshot")
        assert page.get_by_role("button", name="Activer un instantané").is_visible()

        page.get_by_role("button", name="Activer un instantané").click()
        page.wait_for_url("**/admin/instantanes")
        page.get_by_role("cell", name="demo").wait_for(timeout=15_000)
        _check_width(page, "activation")
        page.get_by_role("row").filter(has_text="demo").get_by_role("checkbox").click()
        page.get_by_role("button", name="Activer l'export choisi").click()
        page.get_by_text("Instantané activé sans rejet.").first.wait_for(timeout=60_000)
        _check_width(page, "activation-report")

        page.get_by_role("button", name="Piste d'audit").click()
        page.get_by_text("Piste d'audit intègre").wait_for(timeout=15_000)
        _check_width(page, "audit")
        assert page.get_by_text("instantané activé").first.is_visible()
    finally:
        context.close()


def test_the_prescriber_menu_and_an_unknown_address_at_1024_px(live_app, browser) -> None:
    base, _ = live_app
    context, page = _new_page(browser)
    try:
        sign_in(page, base, "pharmacien", "Demo-Pharma-2026!")
        page.get_by_text("Paul Garnier — pharmacien").wait_for()
        _check_width(page, "pharmacist-menu")
        for label in ("Nouvelle prescription", "Validation", "Nouveau patient"):
            assert page.get_by_role("button", name=label).is_visible()

        response = page.goto(f"{base}/prescriptons/PS000001")
        assert response is not None and response.status == 404
        page.get_by_text("Page introuvable").first.wait_for(timeout=15_000)
        assert page.get_by_text("« /prescriptons/PS000001 » n'existe pas").is_visible()
        assert page.get_by_text("Paul Garnier — pharmacien").is_visible()  # inside the frame
        _check_width(page, "not-found")
        page.get_by_role("link", name="Retour à la page d'accueil").click()
        page.get_by_text("Instantané activé sans rejet.").first.wait_for(timeout=15_000)
    finally:
        context.close()


def test_an_unknown_address_before_signing_in_leads_to_the_sign_in(live_app, browser) -> None:
    base, _ = live_app
    context, page = _new_page(browser)
    try:
        response = page.goto(f"{base}/nulle-part")
        assert response is not None and response.status == 404
        page.get_by_text("Page introuvable").wait_for(timeout=15_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        page.get_by_role("link", name="Aller à la page de connexion").click()
        page.get_by_role("button", name="Se connecter").wait_for(timeout=15_000)
    finally:
        context.close()
