"""The admin, as a person uses it, in headless Chromium: log in, see the cameras with their
snapshots and health, trash a camera, restore it from the Trash, see a camera's page and activity
heatmap, list detections, open a scene change and acknowledge it.

Steps run in order on one server and one browser; each saves a screenshot to screenshots/.
Every step asserts: an admin page that is missing is a failure, not a skip.
"""

from __future__ import annotations

import pytest

pytest.importorskip("selenium", reason="selenium is not installed in the venv (requirements-dev.txt)")

from selenium.common.exceptions import NoSuchElementException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from e2e.conftest import ADMIN_PASSWORD, ADMIN_USER, SCREENSHOTS  # noqa: E402

pytestmark = pytest.mark.e2e


def shot(browser, name: str) -> None:
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def full_shot(browser, name: str) -> None:
    """A screenshot of the whole page (headless Chromium captures the window: make it as tall)."""
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(1366, min(max(height, 1000), 4000))
    shot(browser, name)
    browser.set_window_size(1366, 1000)


def open_page(browser, server, path: str) -> None:
    browser.get(server.base + path)


def changelist_ids(browser) -> set[str]:
    return {box.get_attribute("value") for box in browser.find_elements(By.CSS_SELECTOR, "input.action-select")}


def run_action(browser, action_value: str, pks: list[str]) -> None:
    for box in browser.find_elements(By.CSS_SELECTOR, "input.action-select"):
        if box.get_attribute("value") in pks and not box.is_selected():
            box.click()
    Select(browser.find_element(By.NAME, "action")).select_by_value(action_value)
    browser.find_element(By.CSS_SELECTOR, "button[name=index], input[name=index]").click()


def test_01_login(browser, nem_server):
    open_page(browser, nem_server, "/admin/")
    assert "/admin/login/" in browser.current_url
    browser.find_element(By.NAME, "username").send_keys(ADMIN_USER)
    browser.find_element(By.NAME, "password").send_keys(ADMIN_PASSWORD)
    shot(browser, "01-login")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit], button[type=submit]").click()
    assert browser.current_url.rstrip("/").endswith("/admin")
    assert browser.title == "NEM cameras"
    assert browser.find_element(By.ID, "site-name").text == "NEM cameras"
    assert "Django administration" not in browser.page_source
    shot(browser, "02-admin-index")


def loaded_images(browser, selector: str) -> list[int]:
    """Natural widths of the images matching ``selector``, once each has loaded (0: broken)."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(i => i.complete ? i.naturalWidth : -1);",
        selector,
    )


def test_01b_camera_list_shows_snapshots_and_health(browser, nem_server):
    open_page(browser, nem_server, "/admin/cameras/camera/")
    rows = {
        row.find_element(By.CSS_SELECTOR, "input.action-select").get_attribute("value"): row
        for row in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    }
    assert set(rows) == {"front_door", "driveway", "backyard"}
    for camera_id, row in rows.items():
        snapshot = row.find_element(By.CSS_SELECTOR, "td.field-snapshot")
        assert snapshot.find_elements(By.TAG_NAME, "img"), f"{camera_id}: no thumbnail"
        assert snapshot.text.endswith(" ago"), snapshot.text
        health = row.find_element(By.CSS_SELECTOR, "td[class*='health_column']").text
        assert health.split("\n")[0] in {"online", "offline", "frozen", "blinded", "silent", "error"}, health
        assert row.find_element(By.CSS_SELECTOR, "td.field-mode").text == "FTP"
    WebDriverWait(browser, 10).until(lambda d: -1 not in loaded_images(d, "td.field-snapshot img"))
    assert loaded_images(browser, "td.field-snapshot img") == [160, 160, 160], "every thumbnail loads"
    shot(browser, "02b-camera-list")


def test_02_trash_a_camera(browser, nem_server):
    open_page(browser, nem_server, "/admin/cameras/camera/")
    assert {"front_door", "driveway", "backyard"} <= changelist_ids(browser), nem_server.seeded
    open_page(browser, nem_server, "/admin/cameras/camera/driveway/change/")
    trash_link = browser.find_element(By.CSS_SELECTOR, "a.deletelink")
    assert trash_link.text == "Move to trash"
    trash_link.click()
    assert "Move the camera" in browser.page_source
    shot(browser, "03-trash-confirmation")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit][value='Yes, move to trash']").click()
    assert "driveway" not in changelist_ids(browser)
    shot(browser, "04-camera-list-after-trash")
    assert nem_server.api("GET", "/api/cameras/driveway")[0] == 404
    trash = nem_server.api("GET", "/api/cameras/deleted")[1]
    assert [item["id"] for item in trash["items"]] == ["driveway"]


def test_03_restore_from_the_trash(browser, nem_server):
    open_page(browser, nem_server, "/admin/cameras/trashedcamera/")
    assert changelist_ids(browser) == {"driveway"}
    purged_on = browser.find_element(By.CSS_SELECTOR, "td.field-purged_on").text
    assert purged_on.endswith("UTC") and purged_on[:4].isdigit(), purged_on
    filters = browser.find_element(By.ID, "changelist-filter").text
    assert "By deleted at" in filters and "By ingestion mode" in filters and "ONVIF" in filters
    shot(browser, "05-trash")
    run_action(browser, "restore_selected", ["driveway"])
    shot(browser, "06-restore-confirmation")
    browser.find_element(By.CSS_SELECTOR, "form input[type=submit]").click()
    assert changelist_ids(browser) == set()
    shot(browser, "07-trash-after-restore")
    status, body = nem_server.api("GET", "/api/cameras/driveway")
    assert status == 200
    assert body["name"] == "Driveway Camera"
    open_page(browser, nem_server, "/admin/cameras/camera/")
    assert "driveway" in changelist_ids(browser)


def test_04_camera_page_shows_the_activity_heatmap(browser, nem_server):
    open_page(browser, nem_server, "/admin/cameras/camera/front_door/change/")
    panels = {
        h2.text.strip(): h2.find_element(By.XPATH, "..")
        for h2 in browser.find_elements(By.CSS_SELECTOR, "fieldset.camera-panel > h2")
    }
    state = browser.find_element(By.CSS_SELECTOR, ".field-status_text").text
    assert state.startswith("Status:") and "Set by the system" in state
    assert browser.find_elements(By.CSS_SELECTOR, ".field-status_changed")
    assert browser.find_elements(By.CSS_SELECTOR, ".field-last_seen_at")
    assert browser.find_elements(By.CSS_SELECTOR, ".field-created_at")
    assert not browser.find_elements(By.NAME, "status"), "status is read-only"
    WebDriverWait(browser, 10).until(lambda d: -1 not in loaded_images(d, "img[alt='latest snapshot']"))
    assert loaded_images(browser, "img[alt='latest snapshot']")[0] >= 320, "the full snapshot loads"
    full_shot(browser, "08-camera-page")
    baseline = next((panel for title, panel in panels.items() if "baseline" in title.lower()), None)
    assert baseline is not None, f"no 'Activity baseline' panel on the camera page (panels: {sorted(panels) or 'none'})"
    browser.execute_script("arguments[0].scrollIntoView();", baseline)
    shot(browser, "09-activity-heatmap")
    assert "No baseline yet" not in baseline.text, "the demo data should give front_door a baseline"
    heatmap = baseline.find_elements(By.CSS_SELECTOR, "table")
    assert heatmap, "the baseline panel has no heatmap table"
    cells = heatmap[0].find_elements(By.CSS_SELECTOR, "td")
    assert len(cells) >= 24 * 7, f"a 24 x 7 heatmap needs 168 cells, found {len(cells)}"


def test_04b_detections_list(browser, nem_server):
    open_page(browser, nem_server, "/admin/baselines/detection/")
    assert "Page not found" not in browser.title, "the detections admin must exist"
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 100, "the demo data has thousands of detections: a full first page"
    camera = rows[0].find_element(By.CSS_SELECTOR, "td.field-camera_column a")
    assert camera.get_attribute("href").endswith("/change/")
    assert not browser.find_elements(By.NAME, "action"), "read-only: no actions (no 'Delete selected')"
    assert "/admin/baselines/detection/add/" not in browser.page_source
    filters = browser.find_element(By.ID, "changelist-filter").text
    assert "By object type" in filters and "By camera" in filters
    shot(browser, "08b-detections")
    camera.click()
    assert "/admin/cameras/camera/" in browser.current_url

    open_page(browser, nem_server, "/admin/baselines/event/")
    events = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert events, "the demo detections are grouped into events"
    assert events[0].find_element(By.CSS_SELECTOR, "td.field-camera_column a").get_attribute("href").endswith("/change/")
    assert not browser.find_elements(By.NAME, "action")
    shot(browser, "08c-events")


def test_05_open_a_scene_change_and_acknowledge_it(browser, nem_server):
    open_page(browser, nem_server, "/admin/scenechanges/scenechange/")
    assert "Page not found" not in browser.title, "the scene changes admin must exist"
    assert "/admin/login/" not in browser.current_url, "the scene changes admin must open for staff"
    pks = sorted(changelist_ids(browser))
    assert pks, "the demo data should give backyard one scene change"
    shot(browser, "10-scene-changes")
    open_page(browser, nem_server, f"/admin/scenechanges/scenechange/{pks[0]}/change/")
    assert browser.find_elements(By.CSS_SELECTOR, "img[alt='changed frame']"), "the change page shows the frame"
    shot(browser, "11-scene-change")
    status, body = nem_server.api("GET", "/api/cameras/backyard/scene-changes")
    assert status == 200
    before = {str(c["id"]): c for c in body["scene_changes"]}
    assert before[pks[0]]["acknowledged"] is False

    open_page(browser, nem_server, "/admin/scenechanges/scenechange/")
    try:
        run_action(browser, "acknowledge_selected", [pks[0]])
    except NoSuchElementException:
        pytest.fail("no 'acknowledge_selected' action on the scene change list")
    shot(browser, "12-scene-change-acknowledged")
    assert "acknowledged" in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text
    after = {str(c["id"]): c for c in nem_server.api("GET", "/api/cameras/backyard/scene-changes")[1]["scene_changes"]}
    assert after[pks[0]]["acknowledged"] is True
    assert after[pks[0]]["acknowledged_at"]
