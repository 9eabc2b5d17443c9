"""The citizen session: every move of the table, back and cancel, the idle wipe, promised dates, materials."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from terminal import config as config_module, events
from terminal.casenumber import CaseNumbers, parse_case_number
from terminal.cases import Case, CaseKind, Complaint, Page, Rating, RatingRecord, Supplement
from terminal.catalog import Catalog, Guide, Item, MaterialSpec
from terminal.errors import StorageFull
from terminal.identity import Identity
from terminal.session import (
    NO_BACK,
    OTHER_REASON,
    TRANSITIONS,
    FormInvalid,
    Journey,
    Session,
    SessionEvent,
    State,
    TransitionError,
)
from terminal.workdays import add_working_days
from tests.objwalk import leaks

ID_NUMBER = "419001199001010043"  # fabricated, valid GB 11643 check digit
PHONE = "13800138000"
SEARCH = "qzyx"
COMPLAINT_TEXT = "测试投诉内容夜间无人值守"
SIGNATURE = b"\x89PNG-test-signature-strokes"
PAGE = Page(jpeg=b"\xff\xd8test-page-of-household-register\xff\xd9", width=1700, height=2200)
IDENTITY = Identity(card_type="resident", name="测试样例", sex="女", nation="汉", birth=date(1990, 1, 1),
                    address="河南省济源市虚构路八号测试小区", id_number=ID_NUMBER, authority="济源市公安局虚构分局",
                    valid_from=date(2020, 1, 1), valid_to=None, photo=b"WLT-opaque-photo-bytes")
SECRETS: list[str | bytes] = [IDENTITY.name, ID_NUMBER, IDENTITY.address, IDENTITY.authority, PHONE, SEARCH,
                              COMPLAINT_TEXT, SIGNATURE, PAGE.jpeg, IDENTITY.photo]

GUIDE = Guide(
    sample=True, conditions="本市户籍居民", process=("提交申请", "受理", "办结"), legal_days=20, promised_days=5,
    case_kind=CaseKind.PROMISED, result="户口簿", fees="不收费", consult_phone="0391-0000000",
    complaint_phone="12345", themes=("户籍",),
    materials=(MaterialSpec("id-card", "居民身份证", "原件"), MaterialSpec("hukou", "户口簿", "原件"),
               MaterialSpec("photo", "近期照片", "原件", required=False)),
)
ITEM = Item(id="T-1", seq=1, main_item="户口登记", sub_item="", handling_item="户口迁入登记", item_type="行政确认",
            level="D", department="公安", guide=GUIDE)
BARE_ITEM = Item(id="T-2", seq=2, main_item="测试无指南事项", sub_item="", handling_item="", item_type="公共服务",
                 level="D", department="民政")
CATALOG = Catalog(region="jiyuan", title="test", version="1", source="test", items=(ITEM, BARE_ITEM))


class Clock:
    """Monotonic seconds that the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Store:
    """A small real sink: keeps what it is given, or refuses as a full disk does."""

    def __init__(self) -> None:
        self.cases: list[Case] = []
        self.ratings: list[RatingRecord] = []
        self.complaints: list[Complaint] = []
        self.supplements: list[Supplement] = []
        self.full = False
        self.gate: threading.Event | None = None  # when set up, a write waits for it (a stalling disk)
        self.writing = threading.Event()

    def submit(self, case: Case) -> None:
        self.writing.set()
        if self.gate is not None and not self.gate.wait(10):
            raise TimeoutError("the test never opened the gate")
        if self.full:
            raise StorageFull("test disk full")
        self.cases.append(case)

    def add_rating(self, rating: RatingRecord) -> None:
        self.ratings.append(rating)

    def add_complaint(self, complaint: Complaint) -> None:
        self.complaints.append(complaint)

    def add_supplement(self, supplement: Supplement) -> None:
        if self.full:
            raise StorageFull("test disk full")
        self.supplements.append(supplement)


class Events:
    def __init__(self) -> None:
        self.kinds: list[str] = []

    def __call__(self, event: SessionEvent) -> None:
        self.kinds.append(event.kind)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def make(tmp_path: Path, clock: Clock, store: Store) -> Callable[..., Session]:
    def build(**display: object) -> Session:
        cfg = config_module.from_dict({"terminal": {"id": "JY0101"}, "display": display})
        return Session(cfg, CATALOG, store, CaseNumbers(tmp_path, "JY0101"), ratings=store, complaints=store,
                       supplements=store, clock=clock, now=lambda: datetime(2026, 11, 20, 22, 30))
    return build


@pytest.fixture
def session(make: Callable[..., Session]) -> Session:
    return make()


# How to reach each state from home, and which call makes each forward move.
PATH: dict[State, list[Callable[[Session], object]]] = {State.HOME: []}
PATH[State.ITEM] = [Session.start_application]
PATH[State.GUIDE] = PATH[State.ITEM] + [lambda s: s.choose_item(ITEM)]
PATH[State.CONSENT] = PATH[State.GUIDE] + [Session.begin_identify]
PATH[State.IDENTIFY] = PATH[State.CONSENT] + [lambda s: s.agree(sensitive=True, on_behalf=False)]
PATH[State.FORM] = PATH[State.IDENTIFY] + [lambda s: s.identified(IDENTITY), lambda s: s.set_field("phone", PHONE)]
PATH[State.MATERIALS] = PATH[State.FORM] + [Session.confirm_form, lambda s: s.add_page("id-card", PAGE),
                                            lambda s: s.add_page("hukou", PAGE)]
PATH[State.REVIEW] = PATH[State.MATERIALS] + [Session.to_review, lambda s: s.sign(SIGNATURE)]
PATH[State.SUBMIT] = PATH[State.REVIEW] + [Session.submit]
PATH[State.RECEIPT] = PATH[State.SUBMIT] + [Session.show_receipt]
PATH[State.RATING] = PATH[State.RECEIPT] + [Session.start_rating]
PATH[State.PROGRESS] = [Session.query_progress]
PATH[State.COMPLAINT] = [Session.start_complaint]
PATH[State.HELP] = [Session.request_help]
PATH[State.SUPPLEMENT] = [Session.start_supplement]
PATH[State.CALLBACK] = PATH[State.HELP] + [Session.request_callback]

MOVE: dict[State, Callable[[Session], object]] = {
    State.HOME: Session.finish, State.ITEM: Session.start_application, State.GUIDE: lambda s: s.choose_item(ITEM),
    State.CONSENT: Session.begin_identify, State.IDENTIFY: lambda s: s.agree(sensitive=True, on_behalf=False),
    State.FORM: lambda s: s.identified(IDENTITY),
    State.MATERIALS: Session.confirm_form, State.REVIEW: Session.to_review, State.SUBMIT: Session.submit,
    State.RECEIPT: Session.show_receipt, State.RATING: Session.start_rating, State.PROGRESS: Session.query_progress,
    State.COMPLAINT: Session.start_complaint, State.HELP: Session.request_help,
    State.SUPPLEMENT: Session.start_supplement, State.CALLBACK: Session.request_callback,
}


def reach(session: Session, state: State) -> Session:
    for step in PATH[state]:
        step(session)
    assert session.state == state
    return session


def assert_clean(session: Session) -> None:
    assert session.state == State.HOME
    assert not session.has_personal_data()
    assert leaks(session, SECRETS, stop=[session.catalog, session._sink]) == []


def test_the_table_covers_every_state() -> None:
    assert set(TRANSITIONS) == set(State)
    assert set(PATH) == set(State)


@pytest.mark.parametrize("source", list(State))
@pytest.mark.parametrize("target", list(State))
def test_every_move_allowed_or_refused_as_the_table_says(session: Session, source: State, target: State) -> None:
    reach(session, source)
    if target in TRANSITIONS[source]:
        MOVE[target](session)
        assert session.state == target
    else:
        with pytest.raises(TransitionError) as refused:
            MOVE[target](session)
        assert session.state == source
        assert refused.value.advice_zh  # a sentence for people, not a traceback


@pytest.mark.parametrize("state", [s for s in State if s not in NO_BACK])
def test_back_returns_along_the_path(session: Session, state: State) -> None:
    reach(session, state)
    expected = {State.ITEM: State.HOME, State.GUIDE: State.ITEM, State.CONSENT: State.GUIDE,
                State.IDENTIFY: State.CONSENT,
                State.FORM: State.IDENTIFY, State.MATERIALS: State.FORM, State.REVIEW: State.MATERIALS,
                State.PROGRESS: State.HOME, State.COMPLAINT: State.HOME, State.HELP: State.HOME,
                State.SUPPLEMENT: State.HOME, State.CALLBACK: State.HELP}[state]
    session.back()
    assert session.state == expected


@pytest.mark.parametrize("state", sorted(NO_BACK))
def test_no_back_into_a_submitted_case(session: Session, state: State) -> None:
    reach(session, state)
    with pytest.raises(TransitionError):
        session.back()
    assert session.state == state


def test_back_to_home_forgets_the_search_but_keeps_elderly_mode(session: Session) -> None:
    session.set_elderly(True)
    session.start_application()
    session.search(SEARCH)
    session.back()
    assert session.search_text == "" and session.elderly


def test_help_mid_journey_returns_with_everything(session: Session) -> None:
    reach(session, State.FORM)
    session.request_help()
    session.set_assistant("STAFF07")
    session.back()
    assert session.state == State.FORM and session.form["phone"] == PHONE


@pytest.mark.parametrize("state", list(State))
def test_cancel_from_anywhere_goes_home_and_wipes(session: Session, state: State) -> None:
    events = Events()
    session.subscribe(events)
    reach(session, state)
    if state == State.ITEM:
        session.search(SEARCH)
    assert session.has_personal_data() == (state != State.HOME)
    session.cancel()
    assert events.kinds[-1] == "cancelled"
    assert_clean(session)


def test_the_walk_does_find_data_before_the_wipe(session: Session) -> None:
    """The leak check can fail: mid-journey it finds the identity, the phone and the pages."""
    reach(session, State.REVIEW)
    found = leaks(session, SECRETS, stop=[session.catalog, session._sink])
    assert len(found) >= 5


def test_guide_reader_can_apply_from_the_guide(session: Session) -> None:
    session.browse_guides()
    assert session.journey == Journey.GUIDE
    session.choose_item(ITEM)
    session.begin_identify()
    assert session.state == State.CONSENT


def test_an_item_without_guide_cannot_be_applied_for(session: Session) -> None:
    session.start_application()
    session.choose_item(BARE_ITEM)
    with pytest.raises(TransitionError):
        session.begin_identify()
    assert session.materials == () and session.missing == ()


def test_search_results_as_typed(session: Session) -> None:
    session.start_application()
    assert [i.id for i in session.search("hkqr")] == ["T-1"]  # 户口迁入 initials
    assert session.search("") == ()


def test_form_from_card_is_read_only_and_phone_is_checked(session: Session) -> None:
    reach(session, State.IDENTIFY)
    session.identified(IDENTITY)
    assert session.form["name"] == IDENTITY.name
    with pytest.raises(FormInvalid) as e:
        session.set_field("name", "别人")
    assert "身份证" in e.value.errors["name"]
    with pytest.raises(FormInvalid) as e:
        session.confirm_form()
    assert "phone" in e.value.errors
    session.set_field("phone", "12345")
    assert "11位" in session.form_errors()["phone"]
    session.set_field("phone", "0391-6600123")
    session.confirm_form()
    assert session.state == State.MATERIALS


def test_missing_required_materials_make_a_correction_case(session: Session, store: Store) -> None:
    reach(session, State.FORM)
    session.confirm_form()
    assert session.missing == ("居民身份证", "户口簿")  # the optional photo is never missing
    session.add_page("id-card", PAGE)
    session.add_page("id-card", PAGE)
    session.remove_page("id-card", 1)
    assert [m.pages for m in session.materials] == [1, 0, 0]
    assert session.missing == ("户口簿",)
    with pytest.raises(FormInvalid):
        session.add_page("not-in-guide", PAGE)
    session.to_review()
    with pytest.raises(FormInvalid) as e:
        session.submit()
    assert "signature" in e.value.errors
    session.sign(SIGNATURE)
    case = session.submit()
    assert case.missing == ("户口簿",)
    assert [m.material_id for m in case.materials] == ["id-card"]
    assert store.cases == [case]


def test_submit_builds_the_case_with_number_and_promised_date(session: Session, store: Store) -> None:
    reach(session, State.SUBMIT)
    case = store.cases[0]
    assert session.case is case and case.missing == ()
    assert parse_case_number(case.case_no) is not None and case.case_no.startswith("JY0101-")
    assert case.applicant == IDENTITY and case.phone == PHONE and case.signature_png == SIGNATURE
    assert (case.item_id, case.kind, case.department) == ("T-1", CaseKind.PROMISED, "公安")
    # Friday 2026-11-20 plus 5 working days: Mon 23 .. Fri 27.
    assert case.promised_date == add_working_days(date(2026, 11, 20), 5, session.config.calendar) == date(2026, 11, 27)


def test_promised_date_across_national_day(session: Session) -> None:
    reach(session, State.GUIDE)
    # 2025: 1-8 October off, Saturday 11 October an adjusted working day (调休).
    assert session.promised_date(date(2025, 9, 30)) == date(2025, 10, 14)


def test_promised_date_in_a_year_nobody_knows_is_an_estimate(session: Session) -> None:
    reach(session, State.GUIDE)
    assert not session.promised_estimated
    assert session.promised_date(date(2041, 3, 1)) == date(2041, 3, 8)  # Friday + 5 weekdays
    assert session.promised_estimated


def test_a_full_disk_keeps_the_person_on_review(session: Session, store: Store) -> None:
    reach(session, State.REVIEW)
    store.full = True
    with pytest.raises(StorageFull):
        session.submit()
    assert session.state == State.REVIEW and session.identity == IDENTITY


def test_a_failed_write_keeps_its_number_for_the_retry(session: Session, store: Store) -> None:
    reach(session, State.REVIEW)
    store.full = True
    first = session.prepare_submit()
    with pytest.raises(StorageFull) as error:
        first.write()
    assert session.complete_submit(first, error.value) is None and session.state == State.REVIEW
    store.full = False
    case = session.submit()
    assert case.case_no == first.case.case_no and store.cases == [case]  # no number lost, none reused
    assert session.state == State.SUBMIT


def test_submit_writes_on_a_worker_while_the_session_keeps_running(session: Session, store: Store,
                                                                   clock: Clock) -> None:
    """A sink that blocks: the UI-thread session stays usable, a second tap is refused, no idle wipe."""
    reach(session, State.REVIEW)
    store.gate = threading.Event()
    pending = session.prepare_submit()
    worker = threading.Thread(target=pending.write)
    worker.start()
    assert store.writing.wait(10)
    with pytest.raises(TransitionError):
        session.prepare_submit()  # the double tap
    assert session.submitting and session.state == State.REVIEW
    clock.now += session.idle_limit + session.config.timeouts.idle_warning_seconds + 60
    session.tick()  # far past the timeout: the case being written is not wiped
    assert session.state == State.REVIEW and session.identity == IDENTITY
    store.gate.set()
    worker.join(10)
    assert session.complete_submit(pending, None) is pending.case
    assert store.cases == [pending.case] and session.state == State.SUBMIT and not session.submitting


def test_a_cancel_during_the_write_leaves_the_written_case_alone(session: Session, store: Store) -> None:
    reach(session, State.REVIEW)
    pending = session.prepare_submit()
    session.cancel()
    pending.write()
    assert session.complete_submit(pending, None) is None
    assert session.state == State.HOME and session.case is None and store.cases == [pending.case]
    assert_clean(session)


def test_rating_then_finish_wipes(session: Session, store: Store) -> None:
    reach(session, State.RATING)
    with pytest.raises(FormInvalid):
        session.rate(Rating.DISSATISFIED)
    with pytest.raises(FormInvalid):  # reasons come from the configured list only
        session.rate(Rating.DISSATISFIED, reasons=("随便写的",))
    record = session.rate(Rating.DISSATISFIED, reasons=("等候时间太长",), comment="排队的人多")
    assert record.case_no == store.cases[0].case_no and store.ratings == [record]
    case = store.cases[0]
    assert (record.item_id, record.item_name, record.channel) == (case.item_id, case.item_name, "现场")
    assert IDENTITY.name not in repr(record) and IDENTITY.id_number not in repr(record)
    session.finish()
    assert_clean(session)
    assert store.cases[0].applicant == IDENTITY  # the outbox keeps the case; the session does not


def test_other_reason_is_the_citizens_own_words(session: Session, store: Store) -> None:
    session.start_rating()
    with pytest.raises(FormInvalid):  # 其他 without words says nothing to follow up
        session.rate(Rating.VERY_DISSATISFIED, reasons=(OTHER_REASON,), comment=" ")
    record = session.rate(Rating.VERY_DISSATISFIED, reasons=(OTHER_REASON,), comment="屏幕太暗")
    assert (record.reasons, record.comment) == ((OTHER_REASON,), "屏幕太暗") and store.ratings == [record]


def test_rating_from_home_rates_a_typed_case_or_the_visit(session: Session, store: Store) -> None:
    session.start_rating()
    typed = session.rate(Rating.VERY_SATISFIED, case_no=" jy0101-261120-0001 ")
    visit = session.rate(Rating.SATISFIED)
    assert typed.case_no == "JY0101-261120-0001"
    assert parse_case_number(visit.case_no) is not None and visit.case_no != typed.case_no
    assert store.ratings == [typed, visit]


def test_complaint_and_progress(session: Session, store: Store) -> None:
    session.start_complaint()
    with pytest.raises(FormInvalid):
        session.submit_complaint("服务态度", " ")
    complaint = session.submit_complaint("服务态度", COMPLAINT_TEXT, PHONE)
    assert store.complaints == [complaint] and session.complaint is complaint
    session.finish()
    assert_clean(session)
    session.query_progress()
    session.set_progress_query(" jy0101-261120-0001 ", IDENTITY)
    assert session.progress_query == ("JY0101-261120-0001", IDENTITY)
    session.finish()
    assert_clean(session)


def test_idle_warning_then_wipe(session: Session, clock: Clock) -> None:
    events = Events()
    session.subscribe(events)
    reach(session, State.REVIEW)
    limit, warning = session.config.timeouts.idle_seconds, session.config.timeouts.idle_warning_seconds
    clock.now += limit - 1
    session.tick()
    assert session.warning_remaining is None
    clock.now += 1
    session.tick()
    assert events.kinds[-1] == "idle_warning" and session.warning_remaining == warning
    session.touch()  # 继续
    assert events.kinds[-1] == "idle_resumed" and session.warning_remaining is None
    clock.now += limit
    session.tick()
    clock.now += warning - 1
    session.tick()
    assert session.state == State.REVIEW and session.warning_remaining == 1
    clock.now += 1
    session.tick()
    assert events.kinds[-1] == "timed_out"
    assert_clean(session)


def test_elderly_mode_waits_longer_and_is_reset_by_the_timeout(session: Session, clock: Clock) -> None:
    timeouts = session.config.timeouts
    session.set_elderly(True)
    reach(session, State.FORM)
    assert session.idle_limit == timeouts.elderly_idle_seconds > timeouts.idle_seconds
    clock.now += timeouts.idle_seconds + timeouts.idle_warning_seconds
    session.tick()
    assert session.state == State.FORM and session.warning_remaining is None
    clock.now += timeouts.elderly_idle_seconds - timeouts.idle_seconds - timeouts.idle_warning_seconds
    session.tick()
    assert session.warning_remaining == timeouts.idle_warning_seconds
    clock.now += timeouts.idle_warning_seconds
    session.tick()
    assert not session.elderly
    assert_clean(session)


def test_elderly_default_from_config(make: Callable[..., Session], clock: Clock) -> None:
    session = make(elderly_default=True)
    assert session.elderly
    session.cancel()
    assert session.elderly


def test_idle_at_home_does_nothing(session: Session, clock: Clock) -> None:
    events = Events()
    session.subscribe(events)
    clock.now += 10_000
    session.tick()
    assert events.kinds == []


def test_events_carry_no_personal_data(session: Session) -> None:
    seen: list[SessionEvent] = []
    session.subscribe(seen.append)
    reach(session, State.RATING)
    assert {e.kind for e in seen} >= {"state", "changed", "submitted"}
    assert all(dataclasses.asdict(e).keys() == {"kind", "state"} for e in seen)


def test_the_real_outbox_takes_the_case_and_the_rating(tmp_path: Path, clock: Clock) -> None:
    from sync.outbox import Outbox

    outbox = Outbox(tmp_path / "data")
    cfg = config_module.from_dict({"terminal": {"id": "JY0101"}})
    session = Session(cfg, CATALOG, outbox, CaseNumbers(tmp_path, "JY0101"), ratings=outbox, complaints=outbox,
                      clock=clock)
    reach(session, State.RATING)
    case_no = session.case.case_no if session.case else ""
    session.rate(Rating.SATISFIED)
    session.finish()
    assert outbox.record(case_no) is not None and outbox.record(case_no + "-R") is not None
    assert_clean(session)
    outbox.close()


CARD_GUIDE = dataclasses.replace(GUIDE, materials=(
    MaterialSpec("id_card", "申请人居民身份证", "原件", note="自助终端读卡核验后无需另行扫描", from_card=True),
    *GUIDE.materials[1:]))
CARD_ITEM = dataclasses.replace(ITEM, id="T-3", guide=CARD_GUIDE)


def test_the_id_card_is_read_never_scanned_and_never_missing(session: Session, store: Store) -> None:
    session.start_application()
    session.choose_item(CARD_ITEM)
    session.begin_identify()
    assert session.missing == ("申请人居民身份证", "户口簿")  # before the card read it is still owed
    session.agree(sensitive=True, on_behalf=False)
    session.identified(IDENTITY)
    session.set_field("phone", PHONE)
    session.confirm_form()
    assert [s.spec.id for s in session.materials] == ["hukou", "photo"]  # nothing asks to photograph the card
    assert session.missing == ("户口簿",)
    with pytest.raises(FormInvalid):
        session.add_page("id_card", PAGE)
    session.to_review()
    session.sign(SIGNATURE)
    case = session.submit()
    assert case.missing == ("户口簿",) and case.promised_days == 5
    assert [(m.material_id, m.from_card, m.pages) for m in case.materials] == [("id_card", True, ())]


def test_supplement_scans_only_what_is_missing_and_keeps_its_number_for_a_retry(session: Session, store: Store) -> None:
    reach(session, State.SUPPLEMENT)
    case_no = "JY0101-261120-0001"
    with pytest.raises(TransitionError):
        session.prepare_supplement()  # no case chosen yet
    target = session.choose_supplement_case(case_no, "T-1", "户口迁入登记", ["户口簿", "户口簿", "村委会证明"])
    assert [(m.id, m.name) for m in target.missing] == [("hukou", "户口簿"), ("extra-2", "村委会证明")]
    with pytest.raises(FormInvalid):
        session.prepare_supplement()  # nothing scanned
    with pytest.raises(FormInvalid):
        session.add_supplement_page("photo", PAGE)  # not missing
    session.add_supplement_page("hukou", PAGE)
    session.add_supplement_page("hukou", PAGE)
    session.remove_supplement_page("hukou", 1)
    assert [s.pages for s in session.supplement_materials] == [1, 0]
    store.full = True
    first = session.prepare_supplement()
    with pytest.raises(StorageFull) as error:
        first.write()
    assert session.complete_supplement(first, error.value) is None and session.supplement is None
    store.full = False
    done = session.submit_supplement()
    assert done.supplement_no == first.supplement.supplement_no and store.supplements == [done]
    assert (done.case_no, [m.material_id for m in done.materials]) == (case_no, ["hukou"])
    assert session.supplement is done
    logged = [e for e in events.EVENTS.recent() if e.event is events.EventId.SUPPLEMENT_SUBMITTED][-1]
    assert logged.fields == {"record": done.supplement_no, "case_no": case_no, "materials": 1}  # no personal data
    session.finish()
    assert_clean(session)


def test_supplement_never_asks_for_the_card_and_knows_other_catalogs_items(make: Callable[..., Session]) -> None:
    card_session = Session(config_module.from_dict({}), Catalog(region="jiyuan", title="t", version="1", source="t",
                                                                 items=(CARD_ITEM,)), Store(),
                           CaseNumbers(Path("/nonexistent"), "JY0101"), supplements=Store())
    card_session.start_supplement()
    target = card_session.choose_supplement_case("JY0101-261120-0001", "T-3", "户口迁入登记", ["申请人居民身份证", "户口簿"])
    assert [m.id for m in target.missing] == ["hukou"]
    other = card_session.choose_supplement_case("JY0101-261120-0002", "elsewhere-9", "外地事项", ["证明"])
    assert [(m.id, m.name) for m in other.missing] == [("extra-1", "证明")]
