"""Consent before the card, item-specific form fields, the delivery choice and applying as an agent (代办人),
in the session (the rules) and in the catalog format; the screens are tested in test_ui_journey.py."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, strategies as st

from terminal import config as config_module
from terminal.casenumber import CaseNumbers
from terminal.catalog import SHIPPED_DIR, Catalog, CatalogError, Item, load_catalog, parse_catalog
from terminal.forms import FieldSpec, check, check_address
from terminal.identity import Identity
from terminal.pinyin_input import press
from terminal.session import POWER_OF_ATTORNEY, FormInvalid, Session, State, TransitionError
from tests.objwalk import leaks
from tests.test_session import GUIDE, IDENTITY, PAGE, PHONE, SIGNATURE, Store

AGENT = Identity(card_type="resident", name="代办样例", sex="男", nation="汉", birth=date(1985, 5, 5),
                 address="河南省济源市虚构路九号代办小区", id_number="419001198505050036",
                 authority="济源市公安局虚构分局", valid_from=date(2020, 1, 1), valid_to=None)
PRINCIPAL_TYPED = ("419001195001010053", "委托样例")  # fabricated, valid check digit
NEW_NAME = "测试新名"
ADDRESS = "河南省济源市虚构路十号测试小区三号楼"
FIELDS = (
    FieldSpec("new_name", "拟变更的姓名", "text", min_length=2, max_length=15, pattern=r"[\u4e00-\u9fa5·]{2,15}",
              pattern_hint="姓名只能写汉字", personal=True),
    FieldSpec("reason", "变更原因", "choice", choices=("重名过多", "其他原因")),
    FieldSpec("since", "开始日期", "date", min="2000-01-01", max="today", required=False),
    FieldSpec("people", "家庭人数", "number", min=1, max=20, max_length=2, required=False),
)
ITEM = Item(id="T-9", seq=9, main_item="户口登记", sub_item="", handling_item="户口登记(变更姓名)", item_type="行政确认",
            level="D", department="公安", guide=dataclasses.replace(GUIDE, fields=FIELDS))
CATALOG = Catalog(region="jiyuan", title="test", version="1", source="test", items=(ITEM,))
NOW = datetime(2026, 12, 7, 22, 30)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    cfg = config_module.from_dict({"terminal": {"id": "JY0101"},
                                   "consent": {"notice_version": "N-7", "declaration_version": "D-3"}})
    return Session(cfg, CATALOG, Store(), CaseNumbers(tmp_path, "JY0101"), now=lambda: NOW)


def to_consent(session: Session) -> Session:
    session.start_application()
    session.choose_item(ITEM)
    session.begin_identify()
    return session


def fill(session: Session, **values: str) -> None:
    session.set_field("phone", PHONE)
    for key, value in {"new_name": NEW_NAME, "reason": "重名过多", **values}.items():
        session.set_field(key, value)


def submit(session: Session) -> Any:
    if session.state == State.FORM:
        session.confirm_form()
    for status in session.materials:
        session.add_page(status.spec.id, PAGE)
    session.to_review()
    session.sign(SIGNATURE)
    return session.submit()


def test_nothing_is_read_before_consent_and_the_sensitive_tick_is_separate(session: Session) -> None:
    to_consent(session)
    assert session.state == State.CONSENT
    with pytest.raises(TransitionError):
        session.identified(IDENTITY)
    with pytest.raises(FormInvalid) as refused:
        session.agree(sensitive=False, on_behalf=False)
    assert "敏感个人信息" in refused.value.errors["sensitive"] and session.state == State.CONSENT
    assert not session.consented
    session.agree(sensitive=True, on_behalf=False)
    assert session.state == State.IDENTIFY and session.consented


def test_consent_and_declaration_versions_go_with_the_case(session: Session) -> None:
    to_consent(session).agree(sensitive=True, on_behalf=False)
    session.identified(IDENTITY)
    fill(session)
    case = submit(session)
    assert (case.consent_version, case.declaration_version) == ("N-7", "D-3")
    assert case.agent is None and case.delivery == "window" and case.delivery_address == ""
    assert case.form["new_name"] == NEW_NAME and case.form["reason"] == "重名过多"


def test_item_fields_are_validated_with_sentences(session: Session) -> None:
    to_consent(session).agree(sensitive=True, on_behalf=False)
    session.identified(IDENTITY)
    session.set_field("phone", PHONE)
    with pytest.raises(FormInvalid) as invalid:
        session.confirm_form()
    assert invalid.value.errors == {"new_name": "请填写拟变更的姓名", "reason": "请填写变更原因"}
    fill(session, new_name="A", since="2030-01-01", people="99")
    errors = session.form_errors()
    assert errors["new_name"] == "姓名只能写汉字"
    assert errors["since"] == "开始日期不能晚于2026年12月07日"
    assert errors["people"] == "家庭人数不能大于20"
    with pytest.raises(FormInvalid):
        session.set_field("unknown", "x")
    fill(session, since="2020-02-29", people="3")
    session.confirm_form()
    assert session.state == State.MATERIALS


def test_post_needs_an_address_and_only_where_the_guide_allows_it(session: Session) -> None:
    to_consent(session).agree(sensitive=True, on_behalf=False)
    session.identified(IDENTITY)
    fill(session)
    session.set_delivery("post")
    assert session.form_errors() == {"delivery_address": "选择邮寄时，请填写收件地址"}
    session.set_delivery("post", ADDRESS)
    case = submit(session)
    assert (case.delivery, case.delivery_address) == ("post", ADDRESS)
    assert ADDRESS not in repr(case)


def test_delivery_not_offered_is_refused(tmp_path: Path) -> None:
    item = dataclasses.replace(ITEM, guide=dataclasses.replace(ITEM.guide, delivery=("window",)))  # type: ignore[arg-type]  # ITEM.guide is set
    catalog = Catalog(region="jiyuan", title="t", version="1", source="t", items=(item,))
    session = Session(config_module.from_dict({}), catalog, Store(), CaseNumbers(tmp_path, "T0001"))
    session.start_application()
    session.choose_item(item)
    session.begin_identify()
    session.agree(sensitive=True, on_behalf=False)
    session.identified(IDENTITY)
    assert session.delivery_options == ("window",)
    with pytest.raises(FormInvalid) as refused:
        session.set_delivery("post", ADDRESS)
    assert "领取" in refused.value.errors["delivery"]


def test_agent_card_then_principal_card_and_a_power_of_attorney(session: Session) -> None:
    to_consent(session).agree(sensitive=True, on_behalf=True)
    session.identified(AGENT)
    assert session.state == State.IDENTIFY and session.agent == AGENT and session.identity is None
    with pytest.raises(FormInvalid) as same:
        session.identified(AGENT)
    assert "委托人" in same.value.errors["principal"]
    session.identified(IDENTITY)
    assert session.state == State.FORM and session.form["name"] == IDENTITY.name
    fill(session)
    session.confirm_form()
    assert session.materials[-1].spec == POWER_OF_ATTORNEY
    assert POWER_OF_ATTORNEY.name in session.missing
    case = submit(session)
    assert case.applicant == IDENTITY and case.agent == AGENT and not case.missing


def test_principal_typed_when_their_card_is_not_here(session: Session) -> None:
    to_consent(session).agree(sensitive=True, on_behalf=True)
    with pytest.raises(TransitionError):
        session.principal_typed(*PRINCIPAL_TYPED)  # the agent's card first
    session.identified(AGENT)
    with pytest.raises(FormInvalid) as invalid:
        session.principal_typed("419001195001010054", "Bob")
    assert set(invalid.value.errors) == {"principal_id", "principal_name"}
    session.principal_typed(*PRINCIPAL_TYPED)
    assert session.state == State.FORM
    assert session.identity is not None and session.identity.birth == date(1950, 1, 1) and session.identity.sex == "男"
    fill(session)
    assert "address" not in session.form_errors()  # a typed principal has no card address
    assert submit(session).applicant.id_number == PRINCIPAL_TYPED[0]


def test_idle_wipe_leaves_no_agent_principal_or_address(session: Session) -> None:
    to_consent(session).agree(sensitive=True, on_behalf=True)
    session.identified(AGENT)
    session.principal_typed(*PRINCIPAL_TYPED)
    fill(session)
    session.set_delivery("post", ADDRESS)
    secrets: list[str | bytes] = [AGENT.name, AGENT.id_number, AGENT.address, *PRINCIPAL_TYPED, ADDRESS, NEW_NAME]
    assert len(leaks(session, secrets, stop=[session.catalog, session._sink])) >= len(secrets)
    session.cancel()
    assert leaks(session, secrets, stop=[session.catalog, session._sink]) == []
    assert not session.on_behalf and not session.consented


def test_shipped_guides_ask_what_the_item_needs() -> None:
    guide = load_catalog("jiyuan").get("jiyuan-154").guide  # 户口登记(变更姓名)
    assert guide is not None
    new_name = guide.fields[0]
    assert (new_name.key, new_name.kind, new_name.personal) == ("new_name", "text", True)
    assert check(new_name, "测试新名", NOW.date()) == "" and check(new_name, "x", NOW.date())
    yanshi = load_catalog("yanshi")
    assert all(f.label for item in yanshi.items if item.guide for f in item.guide.fields)


def _with_fields(fields: list[dict[str, Any]]) -> dict[str, Any]:
    data = json.loads((SHIPPED_DIR / "jiyuan.json").read_text(encoding="utf-8"))
    samples = json.loads((SHIPPED_DIR / "sample_guides.json").read_text(encoding="utf-8"))
    data["items"] = [{**data["items"][0], "guide": {**samples["guides"]["hukou-name-change"], "fields": fields}}]
    return data


@pytest.mark.parametrize(("fields", "words"), [
    ([{"key": "a", "label": "甲", "kind": "text"}, {"key": "a", "label": "乙", "kind": "text"}], "duplicate field key"),
    ([{"key": "a", "label": "甲", "kind": "choice"}], "needs choices"),
    ([{"key": "a", "label": "甲", "kind": "text", "choices": ["x", "y"]}], "needs choices"),
    ([{"key": "a", "label": "甲", "kind": "text", "pattern": "("}], "not a regular expression"),
    ([{"key": "phone", "label": "甲", "kind": "text"}], "fields[0].key"),
    ([{"key": "a", "label": "甲", "kind": "colour"}], "fields[0].kind"),
])
def test_bad_field_schemas_are_refused_naming_the_place(fields: list[dict[str, Any]], words: str) -> None:
    with pytest.raises(CatalogError) as refused:
        parse_catalog(_with_fields(fields), "test.json")
    assert words in refused.value.message


def test_field_round_trips_through_the_catalog_format() -> None:
    catalog = parse_catalog(_with_fields([f.to_json() for f in FIELDS]), "test.json")
    guide = catalog.items[0].guide
    assert guide is not None and guide.fields == FIELDS
    row = {**_with_fields([])["items"][0], "guide": guide.to_json()}
    again = parse_catalog({**_with_fields([]), "items": [row]}, "again.json")
    assert again.items[0].guide == guide


text_field = FieldSpec("t", "内容", "text", min_length=2, max_length=5)


@given(st.text(max_size=8))
def test_text_check_answers_in_words_and_accepts_exactly_the_limits(value: str) -> None:
    problem = check(text_field, value, NOW.date())
    assert (problem == "") == (2 <= len(value) <= 5)
    assert problem == "" or "内容" in problem


@given(st.text(alphabet="0123456789x", max_size=4))
def test_number_check(value: str) -> None:
    spec = FieldSpec("n", "人数", "number", min=1, max=20, required=False)
    ok = value == "" or (value.isdigit() and 1 <= int(value) <= 20)
    assert (check(spec, value, NOW.date()) == "") == ok


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)))
def test_date_check_bounds(day: date) -> None:
    spec = FieldSpec("d", "日期", "date", min="2000-01-01", max="today")
    assert (check(spec, day.isoformat(), NOW.date()) == "") == (date(2000, 1, 1) <= day <= NOW.date())
    assert check(spec, "2026-02-30", NOW.date()) == "日期不是有效的日期"


def test_address_check() -> None:
    assert check_address(ADDRESS) == ""
    assert check_address("济源") and check_address("") and check_address("路" * 61)


def test_receipt_shows_agent_and_postal_address_masked() -> None:
    from drivers.printer.samples import sample_case
    from terminal.receipts import correction_notice, submission_receipt

    config = config_module.from_dict({})
    case = dataclasses.replace(sample_case(), agent=AGENT, delivery="post", delivery_address=ADDRESS)
    for document in (submission_receipt(case, config), correction_notice(case, config)):
        text = document.plain_text()
        assert "代办人：代*样*" in text and AGENT.masked_id() in text and "邮寄 河南省济源市******" in text
        assert AGENT.name not in text and AGENT.id_number not in text and ADDRESS not in text
    assert "代办人" not in submission_receipt(sample_case(), config).plain_text()


@given(st.text(alphabet="测试ab", max_size=4), st.text(alphabet="abc", max_size=6),
       st.sampled_from(["a", "z", "\b", ""]))
def test_a_key_of_the_pinyin_keyboard(written: str, syllable: str, key: str) -> None:
    text, typing = press(written, syllable, key)
    if key == "":
        assert (text, typing) == ("", "")
    elif key == "\b":
        assert (text, typing) == ((written, syllable[:-1]) if syllable else (written[:-1], ""))
    else:
        assert text == written and typing == (syllable + key)[:6]
