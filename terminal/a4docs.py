"""A4 documents as data: the 一次性告知单 of an item and the A4 printer's test page.

They are `ReceiptDocument`s like the receipts (so the screen reader, the PNG preview and the PDF
renderer all take them); the receipts themselves (收件回执, 补齐补正通知书, 办理进度) print on A4
unchanged. A notice holds no personal data: it is the guide, for anyone to take home.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from terminal.catalog import Guide, Item, MaterialSpec
from terminal.config import Config
from terminal.receipts import Block, QrCode, ReceiptDocument, Row, Rule, SmallPrint, Text, Title


def guide_url(item: Item, config: Config) -> str:
    return config.devices.a4printer.guide_url.replace("{item_id}", item.id)


def _days(days: int) -> str:
    return "当场办结" if days == 0 else f"{days}个工作日"


def material_line(number: int, material: MaterialSpec) -> str:
    """1. 居民户口簿：原件及复印件 各1份（必交）——复印首页及本人页"""
    need = "必交" if material.required else "如有则交"
    line = f"{number}. {material.name}：{material.form} {material.count}份（{need}）"
    if material.note:
        line += f"——{material.note}"
    if material.sample_form:
        line += f"。填写范本：{material.sample_form}"
    return line


def _guide_blocks(guide: Guide) -> list[Block]:
    blocks: list[Block] = [Text("一、受理条件", bold=True), Text(guide.conditions),
                           Text(f"二、申请材料（共{len(guide.materials)}项）", bold=True)]
    blocks += [Text(material_line(i, m)) for i, m in enumerate(guide.materials, 1)]
    blocks += [Text("三、办理流程", bold=True), *(Text(f"{i}. {step}") for i, step in enumerate(guide.process, 1)),
               Text("四、办理时限与结果", bold=True),
               Row("法定时限", _days(guide.legal_days)), Row("承诺时限", _days(guide.promised_days)),
               Row("办件类型", guide.case_kind.value), Row("办理结果", guide.result),
               Text("五、收费", bold=True), Text(guide.fees)]
    return blocks


def one_time_notice(item: Item, config: Config, printed_at: datetime) -> ReceiptDocument:
    """一次性告知单: everything the guide says, so the citizen brings it all the first time."""
    guide = item.guide
    blocks: list[Block] = [
        Title("一次性告知单"),
        Text(config.terminal.center_name, align="center"),
        Rule(),
        Row("办理事项", item.title, bold=True),
        Row("事项类型", item.item_type),
        Row("主管部门", item.department),
    ]
    if guide is None:
        blocks += [Rule(), Text("本事项的办事指南尚未发布到本终端。所需材料、条件和时限请拨打咨询电话，"
                                "或在工作时间到便民服务中心窗口咨询，工作人员会一次性告知。")]
    else:
        if guide.sample:
            blocks.append(SmallPrint("（示例指南：为演示编写，以政务服务平台发布的正式指南为准）"))
        blocks += [Rule(), *_guide_blocks(guide)]
    consult = guide.consult_phone if guide else config.terminal.consult_phone
    complaint = guide.complaint_phone if guide else config.terminal.complaint_phone
    blocks += [
        Text(("六、" if guide else "") + "办理地点和时间", bold=True),  # the guide's sections are 一 to 五
        Text(f"{config.terminal.center_name}窗口（工作日办公时间）；本中心24小时自助服务区的"
             f"{config.terminal.name}全天可办。"),
        Row("咨询电话", consult), Row("投诉电话", complaint),
        Rule(),
        QrCode(guide_url(item, config), "手机扫码查看网上办事指南"),
        SmallPrint(f"打印时间：{printed_at:%Y-%m-%d %H:%M}　本告知单不含个人信息。"),
    ]
    return ReceiptDocument("one_time_notice", tuple(blocks))


def a4_test_page(config: Config, printed_at: datetime, status: Mapping[str, str] | None = None) -> ReceiptDocument:
    """The A4 printer's test page: Chinese text, weights, alignment, a QR code and the printer's status."""
    blocks: list[Block] = [
        Title("A4打印机测试页"),
        Text(config.terminal.center_name, align="center"),
        Text(f"{config.terminal.name}（{config.terminal.id}）", align="center"),
        Rule(),
        Row("打印时间", printed_at.strftime("%Y-%m-%d %H:%M:%S")),
        *(Row(key, value) for key, value in (status or {}).items()),
        Rule(),
        Text("左对齐 Left"), Text("居中 Center", align="center"), Text("右对齐 Right", align="right"),
        Text("粗体 政务服务 Bold", bold=True),
        Text("中文：政务服务便民自助终端，打印、复印、告知、证明。"),
        Text("数字与字母：0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz"),
        Rule(),
        QrCode(config.terminal.progress_url.replace("{case_no}", "TEST-" + config.terminal.id), "测试二维码"),
        SmallPrint("测试页不含任何个人信息。"),
    ]
    return ReceiptDocument("a4_test_page", tuple(blocks))
