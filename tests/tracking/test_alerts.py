"""Which alerts the statuses of a letter call for (each is kept once by the ledger)."""

from __future__ import annotations

from datetime import timedelta

from imprimfip import reports_fr
from imprimfip.ledger.history import WHOLE_FILE, Status, Tracked
from imprimfip.letter_lines import Attention
from imprimfip.tracking import finality as f
from imprimfip.tracking.alerts import AlertKind, alerts_for, body
from imprimfip.tracking.schedule import Timing
from tests.tracking.replay import DEPOSIT

TIMING = Timing()
REF = "lettre_03032025100000@demo.pdf"


def tracked(sending_type: str = "STD") -> Tracked:
    return Tracked(1, "courrier", "lettre.pdf", REF, sending_type, DEPOSIT, 1, None, None)


def statuses(file: str | None, **documents: str) -> dict[str, Status]:
    found = {WHOLE_FILE: Status(WHOLE_FILE, file, None, "motif du fichier")} if file else {}
    for ref, status in documents.items():
        found[ref] = Status(ref, status, None, f"motif de {ref}")
    return found


def keys(latest: dict[str, Status], hours: float = 1, sending_type: str = "STD") -> set[str]:
    now = DEPOSIT + timedelta(hours=hours)
    return {(a.key, a.kind) for a in alerts_for(tracked(sending_type), latest, now, TIMING)}


def test_a_file_in_error_is_one_alert_not_one_per_document():
    assert keys(statuses(f.ERROR, A=f.ERROR, B=f.ERROR)) == {("error:", "file_error")}


def test_submitted_with_errors_is_one_alert_per_document_in_error():
    latest = statuses(f.SUBMITTED_WITH_ERRORS, A=f.ERROR, B=f.WAITING, C=f.ERROR)
    assert keys(latest) == {
        ("error:A", "submitted_with_errors"),
        ("error:C", "submitted_with_errors"),
    }
    assert keys(statuses(f.SUBMITTED_WITH_ERRORS)) == {("error:", "submitted_with_errors")}


def test_a_document_in_error_later_is_a_document_error():
    assert keys(statuses(f.SUBMITTED, A=f.SHIPPED, B=f.ERROR)) == {("error:B", "document_error")}


def test_refused_neglected_and_undelivered_registered_letters():
    latest = statuses(f.SUBMITTED, A=f.REFUSED, B=f.NEGLECTED, C=f.DELIVERY_FAILED, D=f.DELIVERED)
    assert keys(latest, sending_type="LRAR") == {
        ("delivery:A", "refused"),
        ("delivery:B", "neglected"),
        ("delivery:C", "delivery_failed"),
    }


def test_overdue_only_after_two_days_and_only_if_something_is_not_handed_over():
    waiting = statuses(f.SUBMITTED, A=f.WAITING)
    assert keys(waiting, hours=47.9) == set()
    assert keys(waiting, hours=48) == {("overdue", "overdue")}
    assert keys(statuses(None), hours=50) == {("overdue", "overdue")}
    assert keys(statuses(f.SUBMITTED, A=f.SHIPPED), hours=50) == set()
    assert ("overdue", "overdue") not in keys(statuses(f.ERROR), hours=50)


def test_an_overdue_alert_shows_the_status_of_what_is_still_waiting():
    latest = statuses(f.SUBMITTED, A=f.SHIPPED, B=f.IN_PRODUCTION)
    now = DEPOSIT + timedelta(hours=48)
    [alert] = alerts_for(tracked(), latest, now, TIMING)
    assert (alert.kind, alert.status) == ("overdue", f.IN_PRODUCTION)
    [unanalysed] = alerts_for(tracked(), statuses(f.SUBMITTING), now, TIMING)
    assert unanalysed.status == f.SUBMITTING


def test_the_overdue_age_follows_time_scale():
    fast = Timing(time_scale=3600)
    latest = statuses(f.SUBMITTED, A=f.WAITING)
    now = DEPOSIT + timedelta(seconds=48)
    assert [a.kind for a in alerts_for(tracked(), latest, now, fast)] == ["overdue"]


def test_the_alert_body_has_facts_for_scripts_and_a_french_text_for_people():
    [alert] = alerts_for(tracked(), statuses(f.ERROR), DEPOSIT, TIMING)
    sent = body(alert, tracked(), DEPOSIT)
    assert sent["kind"] == "file_error"
    assert sent["file"] == "lettre.pdf"
    assert sent["internal_ref"] == REF
    assert sent["message"] == "motif du fichier"
    assert "« lettre.pdf » a été refusé par IMPRIM'FIP" in sent["text"]
    assert "motif du fichier" in sent["text"]
    assert sent["subject"] == "[IMPRIM'FIP] Fichier refusé par IMPRIM'FIP : lettre.pdf"


def test_a_mono_document_letter_is_named_without_its_reference_a_multi_document_one_with():
    mono = alerts_for(tracked(), statuses(f.SUBMITTED, **{REF: f.ERROR}), DEPOSIT, TIMING)
    assert body(mono[0], tracked(), DEPOSIT)["reference"] == ""
    assert "(pli" not in body(mono[0], tracked(), DEPOSIT)["text"]
    multi = alerts_for(tracked(), statuses(f.SUBMITTED, P7=f.REFUSED), DEPOSIT, TIMING)
    sent = body(multi[0], tracked("LRAR"), DEPOSIT)
    assert sent["reference"] == "P7"
    assert "« lettre.pdf » (pli P7) a été refusé par son destinataire" in sent["text"]


def test_every_alert_kind_and_every_reason_for_attention_has_its_french_words():
    for kind in AlertKind:
        subject = reports_fr.alert_subject(kind, "lettre.pdf")
        assert subject.startswith("[IMPRIM'FIP] ") and subject.endswith(" : lettre.pdf")
        what = reports_fr.letter_name("lettre.pdf", "")
        text = reports_fr.alert_text(kind, what=what, status="", message="", deposited=DEPOSIT)
        assert what in text
    assert set(reports_fr.ATTENTION_LABELS) == set(Attention)


def test_the_overdue_subject_names_no_delay_the_flow_may_have_set_otherwise():
    # `overdue_after_hours` is a setting; the subject must not promise "2 jours" regardless.
    subject = reports_fr.alert_subject(AlertKind.OVERDUE, "lettre.pdf")
    assert not any(char.isdigit() for char in subject.removesuffix(" : lettre.pdf"))
