"""The detector on its own: SSIM, decoding, lighting modes, and the labelled evaluation set."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from scenechanges import detector
from scenechanges.tests import evalset

CONFIG = detector.DetectorConfig()


def _frame(jpeg: bytes) -> detector.Frame:
    return detector.prepare(detector.decode_buffer(np.frombuffer(jpeg, np.uint8), config=CONFIG), config=CONFIG)


def _verdict(case: evalset.Case) -> str:
    """What the pipeline would do with the frame, given the reference of the case's scene."""
    reference = _frame(case.reference)
    mode = detector.lighting_mode(reference, config=CONFIG)
    assessment = detector.assess(_frame(case.frame), {mode: reference}, last_mode=mode, config=CONFIG)
    if assessment.action == "compare" and assessment.comparison.changed:
        return assessment.comparison.change_type
    return evalset.NO_ALERT


@pytest.fixture(scope="module")
def results():
    return [(case, _verdict(case)) for case in evalset.build_cases()]


def test_evaluation_set_covers_every_required_case(results):
    names = {case.name.split("_")[0] for case, _ in results}
    assert names == {
        "covered",
        "sprayed",
        "defocused",
        "translated",
        "rotated",
        "brightness",
        "infrared",
        "sensor",
        "object",
        "jpeg",
    }
    assert len({case.photo for case, _ in results}) == 5
    assert sum(not case.benign for case, _ in results) == 85
    assert sum(case.benign for case, _ in results) == 45


def test_tamper_cases_are_detected_with_the_right_type(results, capsys):
    matrix = evalset.confusion_matrix(results)
    with capsys.disabled():
        print("\nscene-change evaluation set, confusion matrix (rows: expected, columns: detected)")
        print(evalset.format_matrix(matrix))
    tamper = [(case, verdict) for case, verdict in results if not case.benign]
    right = [case.label for case, verdict in tamper if verdict == case.expected]
    wrong = {case.label: verdict for case, verdict in tamper if verdict != case.expected}
    assert len(right) / len(tamper) >= 0.95, wrong


def test_no_benign_case_raises_an_alert(results):
    alerts = {case.label: verdict for case, verdict in results if case.benign and verdict != evalset.NO_ALERT}
    assert alerts == {}


def test_benign_changes_within_night_mode_raise_no_alert():
    """Infrared frames are compared with the night reference: noise, brightness and JPEG there too."""
    rng = np.random.default_rng(5)
    for case in evalset.build_cases()[::26]:  # one case per photograph
        night = _frame(evalset.infrared_reference(case))
        image = cv2.imdecode(np.frombuffer(evalset.infrared_reference(case), np.uint8), cv2.IMREAD_COLOR)
        for variant in (
            np.clip(image * 1.3, 0, 255),
            np.clip(image * 0.7, 0, 255),
            np.clip(image + rng.normal(0, 6, image.shape[:2])[..., None], 0, 255),  # a greyscale sensor's noise
        ):
            frame = detector.prepare(variant.astype(np.uint8), config=CONFIG)
            assert detector.lighting_mode(frame, config=CONFIG, fallback=detector.NIGHT) == detector.NIGHT
            assert not detector.compare(night, frame, config=CONFIG).changed, case.photo


def test_infrared_switch_becomes_the_night_reference_not_an_alert(results):
    for case, _ in results:
        if case.mode_switch:
            reference = _frame(case.reference)
            mode = detector.lighting_mode(reference, config=CONFIG)
            assessment = detector.assess(_frame(case.frame), {mode: reference}, last_mode=mode, config=CONFIG)
            expected = "compare" if mode == detector.NIGHT else "adopt"  # the greyscale photo is night already
            assert assessment.action == expected, case.label


def test_ssim_matches_the_standard_definition():
    a = cv2.cvtColor(evalset._world("camera")[:270, :480], cv2.COLOR_BGR2GRAY)
    b = cv2.GaussianBlur(a, (0, 0), 2)
    ours = detector.ssim(a, b)
    reference = structural_similarity(
        a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
    )
    assert detector.ssim(a, a) == pytest.approx(1.0, abs=1e-6)
    assert ours == pytest.approx(reference, abs=0.01)


def test_1080p_frames_are_decoded_reduced_to_the_working_width(tmp_path):
    path = tmp_path / "hd.jpg"
    cv2.imwrite(str(path), cv2.resize(evalset._world("coffee"), (1920, 1080)))
    frame = detector.load_frame(path, config=CONFIG)
    assert frame.shape == (270, 480)
    assert frame.tile_std.shape == (CONFIG.grid_rows, CONFIG.grid_cols)


def test_small_frames_are_scaled_to_the_working_width(tmp_path):
    path = tmp_path / "small.jpg"
    cv2.imwrite(str(path), evalset._world("chelsea")[:240, :320])
    assert detector.load_frame(path, config=CONFIG).shape == (360, 480)


@pytest.mark.parametrize("content", [b"", b"not an image", None])
def test_unreadable_frames_raise(tmp_path, content):
    path = tmp_path / "bad.jpg"
    if content is None:
        ok, buf = cv2.imencode(".jpg", evalset._world("rocket"))
        content = buf.tobytes()[: len(buf) // 2]  # still being written
    path.write_bytes(content)
    with pytest.raises(detector.UnreadableFrame):
        detector.load_frame(path, config=CONFIG)
    with pytest.raises(detector.UnreadableFrame):
        detector.load_frame(tmp_path / "missing.jpg", config=CONFIG)


def test_lighting_mode():
    colour = detector.prepare(evalset._world("coffee"), config=CONFIG)
    grey = detector.prepare(
        cv2.cvtColor(cv2.cvtColor(evalset._world("coffee"), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR), config=CONFIG
    )
    black = detector.prepare(np.full((480, 640, 3), 10, np.uint8), config=CONFIG)
    assert detector.lighting_mode(colour, config=CONFIG) == detector.DAY
    assert detector.lighting_mode(grey, config=CONFIG) == detector.NIGHT
    # A covered lens says nothing about the light: the camera's last mode stands.
    assert detector.lighting_mode(black, config=CONFIG, fallback=detector.NIGHT) == detector.NIGHT
    assert not black.informative(CONFIG)


def test_a_covered_frame_is_never_adopted_as_a_first_reference():
    black = detector.prepare(np.full((480, 640, 3), 10, np.uint8), config=CONFIG)
    assert detector.assess(black, {}, last_mode=detector.DAY, config=CONFIG).action == "skip"


def test_changed_comparison_reports_score_and_signals():
    case = next(c for c in evalset.build_cases() if c.label == "coffee/covered_100")
    result = detector.compare(_frame(case.reference), _frame(case.frame), config=CONFIG)
    assert result.changed and result.change_type == "view_blocked"
    assert 0.0 <= result.similarity < 0.5
    assert result.signals["ssim"] == pytest.approx(result.similarity, abs=1e-4)
    assert result.signals["entropy"] < CONFIG.blocked_entropy
