"""Receipt documents as device-independent data: what a slip says, not how a printer says it.

A document is a title plus a tuple of blocks. The same document is rendered to PNG (shown on
screen when there is no paper, and looked at in docs/screenshots) and to ESC/POS for the
printer, so the citizen gets the same content either way. Builders take a `Case` and the
`Config`; identity is masked here, once, so no renderer can print the full name or ID number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, cast

from terminal.cases import Case, CaseKind
from terminal.casestates import ACCEPTED_SINCE, CaseState, Decision
from terminal.config import Config
from terminal.office import OfficeHours
from terminal.privacy import NameMask, mask_address, mask_id_number, mask_name
from terminal.workdays import add_working_days

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Title:
    """The slip's heading, printed large and centred."""

    text: str


@dataclass(frozen=True)
class Text:
    """One paragraph; wrapped to the paper width by the renderer."""

    text: str
    align: Align = "left"
    bold: bool = False


@dataclass(frozen=True)
class Row:
    """A key-value row such as 受理编号：T0001-...; long values wrap under the value column."""

    key: str
    value: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A horizontal separator."""


@dataclass(frozen=True)
class QrCode:
    """A QR code with a caption under it (the progress page of the case)."""

    data: str
    caption: str = ""


@dataclass(frozen=True)
class SmallPrint:
    """Notes at the foot of the slip (phones, keep-this-slip hints)."""

    text: str


Block = Title | Text | Row | Rule | QrCode | SmallPrint


@dataclass(frozen=True)
class ReceiptDocument:
    """A slip ready to render; `kind` names the template for logs and tests (never personal data)."""

    kind: str
    blocks: tuple[Block, ...]

    def plain_text(self) -> str:
        """The slip as text lines: for the screen reader, the log-free preview and tests."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, (Title, Text, SmallPrint)):
                lines.append(block.text)
            elif isinstance(block, Row):
                lines.append(f"{block.key}：{block.value}")
            elif isinstance(block, QrCode):
                lines.append(f"[二维码 {block.data}] {block.caption}")
            else:
                lines.append("-" * 16)
        return "\n".join(lines)


def _date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def next_handling(submitted_at: datetime, config: Config) -> str:
    """When staff will next look at a case handed in at `submitted_at`, by the center's configured office
    hours and working days: 今天 within office hours, else when they are next in (never 当场 at night)."""
    duty = OfficeHours(config.center.office_hours, config.calendar).at(submitted_at)
    if duty.now:
        return "今天工作时间内"
    opening = duty.next_open
    if opening is None:  # no hours configured: the next working day, without a time
        following = add_working_days(submitted_at.date(), 1, config.calendar, estimate=True)
        return f"下一个工作日（{following.month}月{following.day}日）"
    if opening.date() == submitted_at.date():
        return f"今天{opening:%H:%M}上班后"
    return f"下一个工作日（{opening.month}月{opening.day}日）{opening:%H:%M}上班后"


def promise_rows(case: Case, config: Config) -> list[Block]:
    """The case kind and what it promises at submit: nothing is accepted yet, so no date, only the
    time limit and when it starts (the day of 受理); a 即办件 is handled when staff are next in."""
    if case.kind is CaseKind.IMMEDIATE:
        return [Row("办件类型", case.kind.value),
                Row("办理时间", f"工作人员{next_handling(case.submitted_at, config)}办理")]
    rows: list[Block] = [Row("办件类型", case.kind.value)]
    if case.promised_days:
        rows.append(Row("承诺时限", f"{case.promised_days}个工作日，自部门受理之日起计算"))
    return rows


def progress_url(case_no: str, config: Config) -> str:
    return config.terminal.progress_url.replace("{case_no}", case_no)


def _header(config: Config, title: str) -> list[Block]:
    return [Title(title), Text(config.terminal.center_name, align="center"),
            Text(f"{config.terminal.name}（{config.terminal.id}）", align="center"), Rule()]


def _applicant_rows(case: Case, config: Config) -> list[Block]:
    return [Row("申请人", mask_name(case.applicant.name, cast(NameMask, config.privacy.name_mask))),
            Row("证件号码", mask_id_number(case.applicant.id_number)), *_agent_and_delivery_rows(case, config)]


def _agent_and_delivery_rows(case: Case, config: Config) -> list[Block]:
    """代办人 (masked like the applicant) and how the result arrives (a postal address masked)."""
    rows: list[Block] = []
    if case.agent is not None:
        rows += [Row("代办人", mask_name(case.agent.name, cast(NameMask, config.privacy.name_mask))),
                 Row("代办人证件", mask_id_number(case.agent.id_number))]
    if case.delivery == "post":
        rows.append(Row("结果领取", f"邮寄 {mask_address(case.delivery_address)}"))
    return rows


def _numbered(names: list[str]) -> list[Block]:
    return [Text(f"{i}. {name}") for i, name in enumerate(names, 1)]


def _received(case: Case) -> list[str]:
    return [f"{m.name}（已读卡核验）" if m.from_card else f"{m.name}（{len(m.pages)}页）" if m.pages else m.name
            for m in case.materials]


KEEP_SLIP = "请妥善保管本凭证，凭办件编号查询进度、补交材料或领取结果。"


def _footer(case_no: str, config: Config, keep: str = KEEP_SLIP) -> list[Block]:
    return [Rule(), QrCode(progress_url(case_no, config), "微信或手机扫码查询办理进度"),
            SmallPrint(f"咨询电话：{config.terminal.consult_phone}"),
            SmallPrint(f"投诉电话：{config.terminal.complaint_phone}"),
            SmallPrint(keep)]


def _next_steps(case: Case, config: Config) -> list[Block]:
    """What happens now, truthfully: nobody has accepted anything yet."""
    when = next_handling(case.submitted_at, config)
    if case.missing:
        return [Text("材料不齐，部门暂不能受理。请补齐后凭办件编号在本终端“补交材料”提交，"
                     "或到任一便民服务中心窗口提交，无需重新申请。"),
                Text("补齐后部门审核受理，受理后可在本终端“进度查询”打印受理通知书。")]
    return [Text(f"工作人员将于{when}审核材料，决定是否受理。"),
            Text("受理后可在本终端“进度查询”打印受理通知书；承诺时限自受理之日起计算。")]


def what_happens_next(case: Case, config: Config) -> str:
    """The one sentence the submit screen shows under the case number (the receipt says it at length)."""
    if case.missing:
        return f"还缺{len(case.missing)}项材料，补齐后部门才能受理；请凭办件编号在首页“补交材料”提交"
    when = next_handling(case.submitted_at, config)
    if case.kind is CaseKind.IMMEDIATE:
        return f"即办件：工作人员{when}办理"
    limit = f"，承诺{case.promised_days}个工作日（自受理之日起）" if case.promised_days else ""
    return f"工作人员将于{when}审核受理{limit}"


def submission_receipt(case: Case, config: Config) -> ReceiptDocument:
    """收件回执 (申报回执): what the terminal received and when, what is missing, what happens next.
    It promises no date: the time limit runs from 受理, which only the department can give."""
    received = _received(case)
    blocks: list[Block] = [
        *_header(config, "收件回执"),
        Text("本回执仅证明终端已收到申请材料，不是受理通知书。", align="center"),
        Row("办件编号", case.case_no, bold=True),
        Row("办理事项", case.item_name),
        Row("承办部门", case.department),
        *_applicant_rows(case, config),
        *promise_rows(case, config),
        Row("收件时间", case.submitted_at.strftime("%Y-%m-%d %H:%M")),
        Rule(),
        Text(f"已收材料（共{len(received)}项）：", bold=True),
        *(_numbered(received) or [Text("（无）")]),
    ]
    if case.missing:
        blocks += [Text(f"待补材料（共{len(case.missing)}项，详见补齐补正通知书）：", bold=True),
                   *_numbered(list(case.missing))]
    blocks += [Rule(), Text("下一步：", bold=True), *_next_steps(case, config)]
    blocks += _footer(case.case_no, config)
    return ReceiptDocument("submission", tuple(blocks))


def _decision_rows(decision: Decision) -> list[Block]:
    return [Row("办件编号", decision.case_no, bold=True), Row("办理事项", decision.item_name),
            Row("承办部门", decision.department),
            *([Row("平台编号", decision.platform_ref)] if decision.platform_ref else [])]


def acceptance_notice(decision: Decision, config: Config, printed_at: datetime) -> ReceiptDocument:
    """受理通知书: the department accepted the case; the promised date counts from the day of 受理."""
    accepted = decision.accepted_at or decision.decided_at
    blocks: list[Block] = [*_header(config, "受理通知书"), *_decision_rows(decision),
                           Row("受理时间", accepted.strftime("%Y-%m-%d %H:%M"))]
    if decision.promised_date is not None:
        limit = f"{decision.promised_days}个工作日，" if decision.promised_days else ""
        blocks.append(Row("承诺办结", f"{limit}{_date_zh(decision.promised_date)}前办结", bold=True))
    blocks += [Rule(), Text(f"您申请办理的“{decision.item_name}”，申请材料齐全，符合法定形式，经审查决定予以受理。"),
               Text("办理进度可在本终端或扫描下方二维码查询。"),
               Row("打印时间", printed_at.strftime("%Y-%m-%d %H:%M")),
               *_footer(decision.case_no, config, "请妥善保管本通知书，凭办件编号查询进度、领取结果。")]
    return ReceiptDocument("acceptance_notice", tuple(blocks))


def rejection_notice(decision: Decision, config: Config, printed_at: datetime) -> ReceiptDocument:
    """不予受理/退件告知书: the department refused the case, with its written reasons."""
    blocks: list[Block] = [
        *_header(config, "不予受理（退件）告知书"), *_decision_rows(decision),
        Row("决定时间", decision.decided_at.strftime("%Y-%m-%d %H:%M")), Rule(),
        Text(f"您申请办理的“{decision.item_name}”，经审查，决定不予受理（退件）。理由如下：", bold=True),
        Text(decision.reasons or "（部门未填写理由，请到窗口咨询）"),
        Text("如有疑问，可拨打咨询电话或到便民服务中心窗口咨询；对决定不服的，可依法申请行政复议或者提起行政诉讼。"),
        Row("打印时间", printed_at.strftime("%Y-%m-%d %H:%M")),
        *_footer(decision.case_no, config, "请妥善保管本告知书。")]
    return ReceiptDocument("rejection_notice", tuple(blocks))


def correction_notice(case: Case, config: Config) -> ReceiptDocument:
    """补齐补正通知书: everything still missing, told at once (一次性告知)."""
    applicant = mask_name(case.applicant.name, cast(NameMask, config.privacy.name_mask))
    blocks: list[Block] = [
        *_header(config, "补齐补正通知书"),
        Row("办件编号", case.case_no, bold=True),
        Row("办理事项", case.item_name),
        *_applicant_rows(case, config),
        Row("通知时间", case.submitted_at.strftime("%Y-%m-%d %H:%M")),
        Rule(),
        Text(f"{applicant}：您申请办理的“{case.item_name}”，申请材料不齐全或者不符合法定形式。"
             "现一次性告知如下。"),
        Text(f"请补齐补正以下材料（共{len(case.missing)}项）：", bold=True),
        *_numbered(list(case.missing)),
        Text(f"已收材料（共{len(case.materials)}项）：", bold=True),
        *(_numbered(_received(case)) or [Text("（无）")]),
        Text("材料补齐后，可在本终端首页“补交材料”或任一便民服务中心窗口凭办件编号提交，无需重新申请。"),
        *_footer(case.case_no, config),
    ]
    return ReceiptDocument("correction", tuple(blocks))


def progress_slip(config: Config, case_no: str, item_name: str, status: str,
                  updated_at: datetime, printed_at: datetime) -> ReceiptDocument:
    """办理进度单: what a progress query found, for citizens who want it on paper."""
    blocks: list[Block] = [
        *_header(config, "办理进度"),
        Row("办件编号", case_no, bold=True),
        Row("办理事项", item_name),
        Row("当前状态", status, bold=True),
        Row("更新时间", updated_at.strftime("%Y-%m-%d %H:%M")),
        Row("打印时间", printed_at.strftime("%Y-%m-%d %H:%M")),
        *_footer(case_no, config),
    ]
    return ReceiptDocument("progress", tuple(blocks))


def decision_notice(decision: Decision, config: Config, printed_at: datetime) -> ReceiptDocument | None:
    """The written notice a decision gives the citizen: 受理通知书 once accepted, 退件告知书 when refused;
    None while there is none to give (已收件; 待补正 has its correction notice from submit)."""
    if decision.state in ACCEPTED_SINCE:
        return acceptance_notice(decision, config, printed_at)
    if decision.state is CaseState.RETURNED:
        return rejection_notice(decision, config, printed_at)
    return None


def technician_test_page(config: Config, printed_at: datetime, status: Mapping[str, str] | None = None) -> ReceiptDocument:
    """Technician test page: fonts, alignment, width ruler, QR and the printer's own status."""
    printer = config.devices.printer
    blocks: list[Block] = [
        *_header(config, "打印机测试页"),
        Row("打印时间", printed_at.strftime("%Y-%m-%d %H:%M:%S")),
        Row("纸宽", f"{printer.paper_width_mm} mm"),
        Row("中文方式", printer.chinese_mode),
        *(Row(key, value) for key, value in (status or {}).items()),
        Rule(),
        Text("左对齐 Left"), Text("居中 Center", align="center"), Text("右对齐 Right", align="right"),
        Text("粗体 政务服务 Bold", bold=True),
        Text("中文：政务服务便民自助终端，受理、补正、进度、评价。"),
        Text("数字与字母：0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz"),
        Text("标点：，。、；：？！“”（）《》【】—…"),
        Rule(),
        QrCode(progress_url("TEST-" + config.terminal.id, config), "测试二维码"),
        SmallPrint("测试页不含任何个人信息。"),
    ]
    return ReceiptDocument("test_page", tuple(blocks))
