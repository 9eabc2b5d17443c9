"""Slips for the ways forward that are not an application: where and when to go for an item the
terminal cannot take (办理指引单), the call-back request (预约回电单) and 帮办代办 (求助单).

Each says only what will really happen. The idle wipe erases the session, so no slip promises that
staff will "continue" anything: the 求助单 names the item and the step reached so that staff can
start it again with the person; the 预约回电单 says staff will call in office hours. Receipts of
cases are in terminal/receipts.py; these use the same document model (`ReceiptDocument`).
"""

from __future__ import annotations

from datetime import datetime

from terminal.cases import CallbackRequest
from terminal.catalog import Item
from terminal.config import Config
from terminal.office import OfficeHours, when_zh
from terminal.privacy import mask_phone
from terminal.receipts import Block, ReceiptDocument, Row, Rule, SmallPrint, Text, Title


def office_hours(config: Config) -> OfficeHours:
    return OfficeHours(config.center.office_hours, config.calendar)


def _header(config: Config, title: str) -> list[Block]:
    return [Title(title), Text(config.terminal.center_name, align="center"),
            Text(f"{config.terminal.name}（{config.terminal.id}）", align="center"), Rule()]


def _where_and_when(config: Config, now: datetime) -> list[Block]:
    hours = office_hours(config)
    return [Row("办理地点", config.center.address), Row("办公时间", hours.describe()),
            Text(hours.at(now).sentence(now.date()))]


def _footer(config: Config, now: datetime) -> list[Block]:
    return [Rule(), SmallPrint(f"咨询电话：{config.terminal.consult_phone}"),
            SmallPrint(f"投诉电话：{config.terminal.complaint_phone}"),
            SmallPrint(f"打印时间：{now:%Y-%m-%d %H:%M}")]


def promise_zh(item: Item) -> str:
    """承诺时限 as people read it ("" when the catalog does not say)."""
    if item.guide is None:
        return ""
    return f"{item.guide.promised_days}个工作日" if item.guide.promised_days else "当场办结"


def item_slip(config: Config, item: Item, now: datetime) -> ReceiptDocument:
    """办理指引单: an item the terminal cannot take (no guide here), and where, when and whom to ask instead."""
    return ReceiptDocument("item-directions", (
        *_header(config, "办理指引单"), Row("办理事项", item.title, bold=True), Row("实施部门", item.department),
        *([Row("承诺时限", promise_zh(item))] if promise_zh(item) else []),
        Text("本事项暂不能在自助终端申请，请到服务中心窗口办理。所需材料请先电话咨询，"
             "或在终端上点“请工作人员联系我”，留下电话，工作人员会在办公时间给您回电。"),
        *_where_and_when(config, now), *_footer(config, now)))


def callback_slip(config: Config, request: CallbackRequest) -> ReceiptDocument:
    """预约回电单: what was left (the phone masked) and when staff will really call."""
    duty = office_hours(config).at(request.created_at)
    when = "工作人员在岗，会尽快" if duty.now else (
        f"工作人员{when_zh(duty.next_open, request.created_at.date())}上班后" if duty.next_open else "工作人员上班后")
    return ReceiptDocument("callback", (
        *_header(config, "预约回电单"), Row("预约编号", request.request_no, bold=True),
        Row("事项", request.item_name or "帮办代办（未选事项）"),
        *([Row("实施部门", request.department)] if request.department else []),
        Row("联系电话", mask_phone(request.phone)), Row("希望时间", request.preferred),
        Text(f"{when}按您希望的时间给您打电话，告诉您要带的材料，或约好时间帮您办理。请保持电话畅通。"),
        *_where_and_when(config, request.created_at), *_footer(config, request.created_at)))


def help_slip(config: Config, step: str, item_name: str, now: datetime) -> ReceiptDocument:
    """帮办代办求助单: what the person wanted to do, for the staff (no personal data on it).

    Truthful about what staff can do: the screens were wiped, so they start the item again with the
    person (or for them), in office hours."""
    duty = office_hours(config).at(now)
    when = "请把本单交给服务窗口或导办台的工作人员。" if duty.now else \
        "请在办公时间把本单交给服务窗口，或在终端上点“请工作人员联系我”留下电话。"
    return ReceiptDocument("help", (
        *_header(config, "帮办代办求助单"), Row("办理事项", item_name or "（未选择）"), Row("办到", step),
        Text(when), Text("为保护您的信息，离开终端后这里填写和拍摄的内容会自动清除；工作人员会和您一起重新办理，或替您代办，"
             "请带上身份证和材料原件。"),
        *_where_and_when(config, now), *_footer(config, now)))
