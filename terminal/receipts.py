"""Receipt documents as device-independent data: what a slip says, not how a printer says it.

A document is a title plus a tuple of blocks. The same document is rendered to PNG (shown on
screen when there is no paper, and looked at in docs/screenshots) and to ESC/POS for the
printer, so the citizen gets the same content either way. Builders take a `Case` and the
`Config`; identity is masked here, once, so no renderer can print the full name or ID number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, cast

from terminal.cases import Case, CaseKind
from terminal.config import CalendarSettings, Config
from terminal.privacy import NameMask, mask_address, mask_id_number, mask_name
from terminal.workdays import is_working_day

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


def working_days_between(start: date, end: date, calendar: CalendarSettings) -> int:
    """Working days after `start` up to and including `end` (the promise counts from the next day,
    as in `terminal.workdays.add_working_days`); unknown years fall back to weekends only."""
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += is_working_day(day, calendar, estimate=True)
        day += timedelta(days=1)
    return count


def _date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def promise_rows(case: Case, config: Config) -> list[Block]:
    """The case kind and what it promises: 承诺件 + 5个工作日内（2026年11月30日前）."""
    if case.kind is CaseKind.IMMEDIATE:
        return [Row("办件类型", f"{case.kind.value}（当场办结）")]
    rows: list[Block] = [Row("办件类型", case.kind.value)]
    if case.promised_date is not None:
        days = working_days_between(case.submitted_at.date(), case.promised_date, config.calendar)
        rows.append(Row("承诺时限", f"{days}个工作日内（{_date_zh(case.promised_date)}前办结）"))
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
    return [f"{m.name}（{len(m.pages)}页）" if m.pages else m.name for m in case.materials]


def _footer(case_no: str, config: Config) -> list[Block]:
    return [Rule(), QrCode(progress_url(case_no, config), "微信或手机扫码查询办理进度"),
            SmallPrint(f"咨询电话：{config.terminal.consult_phone}"),
            SmallPrint(f"投诉电话：{config.terminal.complaint_phone}"),
            SmallPrint("请妥善保管本凭证，凭受理编号查询进度、补交材料或领取结果。")]


def acceptance_receipt(case: Case, config: Config) -> ReceiptDocument:
    """受理回执 (受理通知书): proof that the case was accepted, what was handed in, when it is due."""
    received = _received(case)
    blocks: list[Block] = [
        *_header(config, "受理回执"),
        Row("受理编号", case.case_no, bold=True),
        Row("办理事项", case.item_name),
        Row("承办部门", case.department),
        *_applicant_rows(case, config),
        *promise_rows(case, config),
        Row("受理时间", case.submitted_at.strftime("%Y-%m-%d %H:%M")),
        Rule(),
        Text(f"已收材料（共{len(received)}项）：", bold=True),
        *(_numbered(received) or [Text("（无）")]),
    ]
    if case.missing:
        blocks += [Text(f"待补材料（共{len(case.missing)}项，详见补齐补正通知书）：", bold=True),
                   *_numbered(list(case.missing))]
    blocks += _footer(case.case_no, config)
    return ReceiptDocument("acceptance", tuple(blocks))


def correction_notice(case: Case, config: Config) -> ReceiptDocument:
    """补齐补正通知书: everything still missing, told at once (一次性告知)."""
    applicant = mask_name(case.applicant.name, cast(NameMask, config.privacy.name_mask))
    blocks: list[Block] = [
        *_header(config, "补齐补正通知书"),
        Row("受理编号", case.case_no, bold=True),
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
        Text("材料补齐后，可在本终端或任一便民服务中心窗口凭受理编号提交，无需重新申请。"),
        *_footer(case.case_no, config),
    ]
    return ReceiptDocument("correction", tuple(blocks))


def progress_slip(config: Config, case_no: str, item_name: str, status: str,
                  updated_at: datetime, printed_at: datetime) -> ReceiptDocument:
    """办理进度单: what a progress query found, for citizens who want it on paper."""
    blocks: list[Block] = [
        *_header(config, "办理进度"),
        Row("受理编号", case_no, bold=True),
        Row("办理事项", item_name),
        Row("当前状态", status, bold=True),
        Row("更新时间", updated_at.strftime("%Y-%m-%d %H:%M")),
        Row("打印时间", printed_at.strftime("%Y-%m-%d %H:%M")),
        *_footer(case_no, config),
    ]
    return ReceiptDocument("progress", tuple(blocks))


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
