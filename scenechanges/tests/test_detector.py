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


@pytest.fixture(scope="module")
def focus_results():
    return [(case, _verdict(case)) for case in evalset.build_focus_cases()]


def test_focus_set_covers_soft_and_textured_scenes_and_defocus_strengths(focus_results):
    scenes = {case.photo for case, _ in focus_results}
    assert scenes == set(evalset.SOFT_SCENES) | set(evalset.PHOTOS)
    defocus = {case.name for case, _ in focus_results if case.name.startswith("defocused_s")}
    assert defocus == {"defocused_s2", "defocused_s3", "defocused_s4.5", "defocused_s7", "defocused_s3_noisy"}
    assert sum(not case.benign for case, _ in focus_results) == 45
    assert sum(case.benign for case, _ in focus_results) == 56


def test_defocus_and_smear_are_detected_on_soft_and_textured_scenes_without_a_benign_alert(focus_results, capsys):
    """Every defocus strength and every smear is typed view_tampered, on soft scenes too; rain,
    an exposure jump, heavy JPEG, noise, lighting, infrared and a passer-by raise nothing."""
    matrix = evalset.confusion_matrix(focus_results)
    with capsys.disabled():
        print("\nfocus set (soft scenes, defocus strengths, smear), confusion matrix")
        print(evalset.format_matrix(matrix))
    wrong = {case.label: verdict for case, verdict in focus_results if verdict != case.expected}
    assert wrong == {}
    assert matrix == {("view_tampered", "view_tampered"): 45, (evalset.NO_ALERT, evalset.NO_ALERT): 56}


def test_a_dim_noisy_or_rainy_night_is_not_a_defocus_but_a_defocused_night_is():
    """Within night mode (infrared reference): darker and noisier, or rain, is benign; blur is not."""
    verdicts = {}
    for label, reference, frame, expected in evalset.night_cases():
        comparison = detector.compare(_frame(reference), _frame(frame), config=CONFIG)
        verdicts[label] = (comparison.change_type if comparison.changed else evalset.NO_ALERT, expected)
    assert {label: got for label, (got, expected) in verdicts.items() if got != expected} == {}
    assert len(verdicts) == 27


def test_focus_ratio_is_judged_against_the_references_own_detail():
    """A soft scene keeps its focus ratio near 1 under brightness and noise, and loses it to a blur
    that a fixed detail level would not see (its detail ratio stays above the old 0.5 cut)."""
    case = next(c for c in evalset.build_focus_cases() if c.label == "coffee_haze/defocused_s3")
    reference, blurred = _frame(case.reference), _frame(case.frame)
    comparison = detector.compare(reference, blurred, config=CONFIG)
    assert comparison.change_type == "view_tampered"
    assert comparison.signals["focus_ratio"] < CONFIG.focus_ratio
    assert comparison.signals["detail_ratio"] > CONFIG.detail_loss_ratio
    noisy = next(c for c in evalset.build_focus_cases() if c.label == "coffee_haze/sensor_noise_s8")
    assert detector.compare(reference, _frame(noisy.frame), config=CONFIG).signals["focus_ratio"] > 0.95
    assert reference.tile_bands.shape == (detector.FOCUS_LEVELS, CONFIG.grid_rows, CONFIG.grid_cols)


def test_benign_changes_within_night_mode_raise_no_alert():
    """Infrared frames are compared with the night reference: noise, brightness and JPEG there too."""
    rng = np.random.default_rng(5)
    cases = evalset.build_cases()[::26]  # one case per photograph
    assert sorted(case.photo for case in cases) == sorted(evalset.PHOTOS)
    for case in cases:
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
    switches = [case for case, _ in results if case.mode_switch]
    # one switch per photo: an empty selection would make the loop below prove nothing
    assert sorted(case.photo for case in switches) == sorted(evalset.PHOTOS)
    # "camera" is a greyscale photograph: its reference is a night one already, so the infrared
    # frame is compared with it; every colour photograph's infrared frame becomes the night reference.
    greyscale = {"camera"}
    for case in switches:
        reference = _frame(case.reference)
        mode = detector.lighting_mode(reference, config=CONFIG)
        assert mode == (detector.NIGHT if case.photo in greyscale else detector.DAY), case.label
        assessment = detector.assess(_frame(case.frame), {mode: reference}, last_mode=mode, config=CONFIG)
        assert assessment.action == ("compare" if case.photo in greyscale else "adopt"), case.label


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


def _half_written_jpeg() -> bytes:
    ok, buf = cv2.imencode(".jpg", evalset._world("rocket"))
    assert ok
    return buf.tobytes()[: len(buf) // 2]  # still being written


@pytest.mark.parametrize(
    "content",
    [lambda: b"", lambda: b"not an image", _half_written_jpeg],
    ids=["empty", "not-an-image", "half-written"],
)
def test_unreadable_frames_raise(tmp_path, content):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content())
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
