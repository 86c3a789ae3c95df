"""Many realistic cases at once (bench/bench_cases.py, scale tests): varied Chinese text, seeded.

The rows go through the real schema with Core inserts, so the search index triggers fire exactly as
for cases saved one by one. Evidence captions are added as evidence rows without originals (the search
covers captions): a profile filled this way is for measuring, not for work — 检查数据 reports those rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from desk.domain import CaseStatus, CaseType, Platform, Resolution

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯婷雪琳晨欣怡子涵梓轩一诺"
    "思远佳琪雨萱俊杰嘉怡浩然梦瑶天佑若曦"
)
NICK_WORDS = (
    "小雨点",
    "快乐的鱼",
    "晴天",
    "阿杰",
    "米粒",
    "糖糖",
    "大熊",
    "月亮姐姐",
    "风吹麦浪",
    "路人甲",
    "大橙子",
    "夏天的风",
    "木子李",
    "开心果",
    "柠檬不酸",
    "爱吃鱼的猫",
    "追风少年",
    "一只小熊",
    "西瓜太甜",
    "云朵朵",
    "jojo",
    "Lucky",
    "tb_12",
    "pdd用户",
)
PRODUCTS = (
    "收纳盒",
    "保温杯",
    "连衣裙",
    "儿童外套",
    "运动鞋",
    "插线板",
    "数据线",
    "充电器",
    "蓝牙耳机",
    "台灯",
    "玻璃密封罐",
    "不锈钢锅",
    "毛巾",
    "四件套",
    "羽绒服",
    "牛仔裤",
    "卫衣",
    "袜子",
    "手机壳",
    "钢化膜",
    "拖鞋",
    "雨伞",
    "保鲜盒",
    "洗发水",
    "护手霜",
    "面膜",
    "口红",
    "坚果礼盒",
    "茶叶",
    "猫粮",
    "狗绳",
    "花盆",
    "衣架",
    "抱枕",
    "床垫",
    "书包",
    "文具套装",
    "积木",
    "遥控车",
    "电煮锅",
    "榨汁杯",
    "电风扇",
    "加湿器",
    "鼠标",
    "键盘",
    "U盘",
    "行李箱",
    "太阳镜",
    "手表",
    "项链",
)
COLOURS = ("黑色", "白色", "灰色", "米白色", "藏青色", "酒红色", "卡其色", "浅粉色", "墨绿色", "天蓝色")
SIZES = ("S码", "M码", "L码", "XL码", "XXL码", "36码", "38码", "40码", "42码", "均码")
DEFECTS = (
    "有划痕",
    "有裂痕",
    "开线",
    "掉色严重",
    "起球",
    "有异味",
    "缺少配件",
    "无法通电",
    "屏幕不亮",
    "漏水",
    "拉链坏了",
    "尺寸偏小",
    "有污渍",
    "螺丝松动",
    "外壳变形",
    "充不进电",
    "有色差",
    "破了一个洞",
)
COURIERS = (
    "圆通速递",
    "中通快递",
    "申通快递",
    "韵达快递",
    "顺丰速运",
    "极兔速递",
    "邮政快递包裹",
    "京东快递",
)
COURIER_PREFIX = {
    "圆通速递": "YT",
    "中通快递": "ZT",
    "申通快递": "ST",
    "韵达快递": "YD",
    "顺丰速运": "SF",
    "极兔速递": "JT",
    "邮政快递包裹": "YZ",
    "京东快递": "JD",
}
CITIES = (
    "杭州",
    "广州",
    "深圳",
    "成都",
    "武汉",
    "郑州",
    "西安",
    "南京",
    "长沙",
    "沈阳",
    "昆明",
    "济南",
    "合肥",
    "南宁",
)
CLAIMS = (
    "买家反馈收到的商品与图片不符",
    "买家说少收到一件赠品",
    "买家称外包装破损",
    "买家拍照说明商品有瑕疵",
    "买家要求仅退款不退货",
    "买家表示物流太慢不想要了",
    "买家说拍错了尺码",
    "买家签收后七天无理由退货",
)
NOTE_TEMPLATES = (
    "已电话联系买家，约定{day}前回复。",
    "买家电话 13{phone}（仅内部备注）",
    "{person}跟进，已在{platform}后台留言。",
    "快递网点回复：{courier}{city}分部正在核实。",
    "已申请快递理赔，理赔单号 LP{num}。",
    "买家态度强硬，注意保留聊天记录。",
    "仓库复核：发货重量 {weight} kg，与揽收重量一致。",
    "补发单号 {tracking}，请留意签收。",
    "",
)
CAPTIONS = (
    "仓库称重 {weight} kg",
    "快递内网揽收重量 {weight} kg",
    "复称同款 {weight} kg",
    "买家开箱照片",
    "与买家的聊天记录",
    "发货商品与面单合照",
    "运费凭证 {money} 元",
    "物流轨迹截图",
    "买家承认{defect}是自己造成的",
)


class CaseText:
    """Seeded generator of one case's text fields, shaped like the guide's five kinds of case."""

    def __init__(self, seed: int = 0) -> None:
        self.r = random.Random(seed)

    def pick(self, seq: Any) -> Any:
        return seq[self.r.randrange(len(seq))]

    def person(self) -> str:
        return self.pick(SURNAMES) + "".join(self.pick(GIVEN) for _ in range(self.r.choice((1, 2))))

    def nick(self) -> str:
        r = self.r.random()
        if r < 0.45:
            return self.person()
        if r < 0.8:
            return self.pick(NICK_WORDS)
        return self.pick(NICK_WORDS) + str(self.r.randrange(1000))

    def weight(self) -> str:
        return f"{self.r.randrange(80, 5000) / 1000:.2f}"

    def describe(self, case_type: CaseType, product: str, courier: str) -> str:
        n = self.r.randrange(2, 6)
        colour, other = self.r.sample(COLOURS, 2)
        if case_type is CaseType.MISSING_ITEM:
            text = (
                f"买家反馈少收到 {self.r.randrange(1, n)} 个{product}（下单 {n} 个）。"
                f"签收时包裹{self.pick(('完好', '外箱有压痕', '胶带被重新封过'))}，"
                f"{self.pick(('本人签收', '驿站代收', '门卫代签'))}。仓库称重 {self.weight()} kg，"
                f"{courier}内网揽收重量 {self.weight()} kg。"
            )
        elif case_type is CaseType.WRONG_ITEM:
            text = (
                f"买家称收到的{product}颜色不对（下单{colour}，收到{other}）。"
                f"核对发货商品与面单合照，发出的是{colour}{self.pick(SIZES)}。"
            )
        elif case_type is CaseType.QUALITY:
            text = (
                f"买家称{product}{self.pick(DEFECTS)}，发来{self.pick(('照片', '视频', '开箱视频'))}，"
                f"要求{self.pick(('退货退款', '仅退款', '换货', '补差价', '补发配件'))}。"
            )
        elif case_type is CaseType.UNWANTED:
            text = (
                f"买家以{self.pick(('不想要了', '拍错了', '价格降了', '尺码不合适'))}为由申请退货退款，"
                f"{self.pick(('未购买运费险', '有运费险', '退货包运费'))}，退货运费由"
                f"{self.pick(('买家', '商家', '平台'))}承担。"
            )
        else:
            text = (
                f"{self.pick(CLAIMS)}，但{self.pick(('照片中的商品并非本店商品', '快递显示已签收七天', '称重与发货一致', '同一买家多次申请仅退款'))}，"
                f"疑似恶意售后，已发起{self.pick(('维权申诉', '货款申诉', '运费申诉', '纠纷退款率申诉'))}。"
            )
        if self.r.random() < 0.35:
            text += f"收货地址在{self.pick(CITIES)}，{self.pick(('已协商无果', '买家不同意补发', '买家同意补差价', '等待快递核实'))}。"
        return text

    def note(self, courier: str, tracking: str) -> str:
        template = self.pick(NOTE_TEMPLATES)
        return template.format(
            day=f"{self.r.randrange(1, 13)}月{self.r.randrange(1, 29)}日",
            phone=f"{self.r.randrange(10**9):09d}",
            person=self.person(),
            platform=self.pick(("拼多多", "淘宝", "抖店")),
            courier=courier,
            city=self.pick(CITIES),
            num=f"{self.r.randrange(10**10):010d}",
            weight=self.weight(),
            tracking=tracking,
        )

    def caption(self) -> str:
        return self.pick(CAPTIONS).format(
            weight=self.weight(), money=f"{self.r.randrange(5, 30)}.00", defect=self.pick(DEFECTS)
        )


def case_rows(
    count: int, *, seed: int = 0, shop_ids: tuple[int, ...] = (), start: datetime | None = None
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """(cases row, evidence captions) for count cases, oldest first."""
    gen = CaseText(seed)
    r = gen.r
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    types = list(CaseType)
    statuses = list(CaseStatus)
    for i in range(count):
        case_type = types[r.randrange(len(types))]
        platform = (
            Platform.PDD if r.random() < 0.7 else gen.pick((Platform.TAOBAO, Platform.DOUYIN, Platform.JD))
        )
        courier = gen.pick(COURIERS)
        tracking = f"{COURIER_PREFIX[courier]}{r.randrange(10**12, 10**13)}"
        product = gen.pick(PRODUCTS)
        created = start + timedelta(minutes=7 * i + r.randrange(7))
        amount = Decimal(r.randrange(990, 49900)) / 100
        status = statuses[r.randrange(len(statuses))]
        due = created + timedelta(hours=r.randrange(12, 96)) if r.random() < 0.5 else None
        row: dict[str, Any] = {
            "platform": platform,
            "shop_id": shop_ids[r.randrange(len(shop_ids))] if shop_ids else None,
            "order_no": (
                f"{created:%y%m%d}-{r.randrange(10**15):015d}"
                if platform is Platform.PDD
                else f"{r.randrange(10**18, 10**19)}"
            ),
            "after_sales_no": f"{r.randrange(10**12, 10**13)}",
            "tracking_no": tracking,
            "courier": courier,
            "buyer_nick": gen.nick(),
            "case_type": case_type,
            "status": status,
            "resolution": gen.pick(list(Resolution)),
            "order_amount": amount,
            "refund_amount": amount if r.random() < 0.6 else (amount / 2).quantize(Decimal("0.01")),
            "description": gen.describe(case_type, product, courier),
            "notes": gen.note(courier, tracking) if r.random() < 0.7 else "",
            "created_at": created,
            "updated_at": created + timedelta(minutes=r.randrange(0, 3000)),
            "due_at": due,
        }
        captions = [gen.caption() for _ in range(r.choice((0, 0, 1, 2, 3)))]
        yield row, captions


def fill_bulk(
    desk: Any,
    count: int,
    *,
    seed: int = 0,
    batch: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Insert count generated cases (and caption-only evidence rows) into an open desk; returns count."""
    from sqlalchemy import insert, select

    from desk.db import models as m

    shop_ids = tuple(s.id for s in desk.shops.list())
    with desk.engine.begin() as conn:
        first_id = int(conn.execute(select(m.Case.id).order_by(m.Case.id.desc()).limit(1)).scalar() or 0) + 1
    done = 0
    rows: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []

    def flush() -> None:
        with desk.engine.begin() as conn:
            conn.execute(insert(m.Case), rows)
            if evidence:
                conn.execute(insert(m.Evidence), evidence)
        rows.clear()
        evidence.clear()

    for row, captions in case_rows(count, seed=seed, shop_ids=shop_ids):
        case_id = first_id + done
        rows.append({"id": case_id, **row})
        for position, caption in enumerate(captions):
            evidence.append(
                {
                    "case_id": case_id,
                    "kind": "其他",
                    "sha256": f"{case_id:032x}{position:032x}",
                    "original_name": f"证据{position + 1}.jpg",
                    "media_type": "image/jpeg",
                    "byte_size": 0,
                    "caption": caption,
                    "imported_at": row["created_at"],
                    "position": position,
                }
            )
        done += 1
        if len(rows) >= batch:
            flush()
            if progress is not None:
                progress(done, count)
    if rows:
        flush()
    if progress is not None:
        progress(done, count)
    return done
