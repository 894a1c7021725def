"""Ticket scripts: what buyers write, what the team answers, notes and calls, in zh/ko/en.

A scenario is a sequence of steps. Each step is one message; optional steps are kept with
probability ``p``. ``{placeholders}`` are filled by :mod:`kefu.core.demo` from the customer,
the order and the assignee. The loader cuts a script where "now" falls, so recent tickets
end up new, open or pending and older ones solved or closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ZH, KO, EN = "zh-hans", "ko", "en"

# Delay before a step, in minutes: (low, high). "reply" depends on the channel.
DELAYS = {
    "buyer": (3, 240),
    "hours": (45, 480),
    "day": (600, 2400),
    "days": (2 * 1440, 4 * 1440),
}
REPLY_DELAY = {  # channel → minutes
    "chat": (1, 18),
    "marketplace": (5, 90),
    "sms": (5, 60),
    "phone": (5, 60),
    "email": (25, 540),
    "web": (20, 480),
    "in_person": (1, 10),
}


@dataclass
class Step:
    kind: str  # inbound | reply | note | call
    texts: dict[str, list[str]]
    who: str = "assignee"  # customer | assignee | lead | finance | warehouse
    p: float = 1.0
    delay: str = "reply"
    outcome: str = "answered"
    seconds: tuple[int, int] = (60, 300)
    refunds: bool = False  # reaching this step means the order was refunded


def In(texts, p=1.0, delay="buyer"):
    return Step("inbound", texts, who="customer", p=p, delay=delay)


def Reply(texts, p=1.0, delay="reply", who="assignee"):
    return Step("reply", texts, who=who, p=p, delay=delay)


def Note(texts, who="assignee", p=1.0, delay="hours", refunds=False):
    return Step("note", texts, who=who, p=p, delay=delay, refunds=refunds)


def Call(texts, who="assignee", p=1.0, delay="day", outcome="answered", seconds=(60, 300)):
    return Step("call", texts, who=who, p=p, delay=delay, outcome=outcome, seconds=seconds)


@dataclass
class Scenario:
    key: str
    kind: str
    category: tuple[str, ...]
    subject: dict[str, str]
    steps: list[Step]
    order: str | None = None  # None | unshipped | waiting | in_transit | delivered | completed
    weight: int = 10  # among buyers with orders
    weight_potential: int = 0  # among buyers who never bought
    priority: tuple[int, int, int, int] = (2, 7, 1, 0)  # low, normal, high, urgent
    channels: dict[str, int] | None = None  # overrides the language's channel mix
    refunds_order: bool = False
    needs_link: bool = False
    extra: dict = field(default_factory=dict)


# How buyers of each language reach the shop.
CHANNEL_MIX = {
    ZH: {"chat": 55, "marketplace": 8, "phone": 14, "sms": 5, "email": 5, "web": 13},
    KO: {"chat": 38, "marketplace": 25, "phone": 20, "sms": 6, "email": 5, "web": 6},
    EN: {"email": 40, "chat": 30, "web": 20, "phone": 6, "sms": 4},
}

CALL_PREFIX = {ZH: "客户来电：", KO: "고객 전화 문의: ", EN: "Inbound call: "}
PHOTO = {ZH: "[图片]", KO: "[사진]", EN: "[photo]"}

DEFECTS = {
    "apparel": {
        ZH: ["一块污渍", "一个小破洞", "开线"],
        KO: ["얼룩", "작은 구멍", "올 풀림"],
        EN: ["a stain", "a small hole", "a loose seam"],
    },
    "electronics": {
        ZH: ["划痕", "外壳裂纹"],
        KO: ["긁힘", "케이스 금"],
        EN: ["a deep scratch", "a cracked case"],
    },
    "home": {ZH: ["凹痕", "划痕"], KO: ["찍힘", "긁힘"], EN: ["a dent", "a deep scratch"]},
}
QUALITY_ISSUES = {
    "apparel": {
        ZH: ["才穿了一周就起球了", "才穿两次袖口就开线了", "洗了一次就掉色，还串色了"],
        KO: [
            "산 지 일주일 만에 보풀이 심하게 일어났어요.",
            "두 번 입었는데 소매 박음질이 터졌어요.",
            "한 번 빨았는데 이염이 심해요.",
        ],
        EN: [
            "started pilling badly after a week",
            "split at the cuff seam the second time I wore it",
            "bled colour all over my laundry on the first wash",
        ],
    },
    "electronics": {
        ZH: ["才用了一周左耳就没声音了", "用了不到十天就充不进电了", "三天两头自动断连"],
        KO: [
            "일주일 만에 왼쪽 소리가 안 나요.",
            "열흘도 안 돼서 충전이 안 돼요.",
            "연결이 자꾸 끊겨요.",
        ],
        EN: [
            "stopped working on the left side after a week",
            "won't charge any more and it's ten days old",
            "keeps disconnecting every few minutes",
        ],
    },
    "home": {
        ZH: ["用了几天就漏水了", "拆开有很重的异味，放了一周还有", "洗了一次就起球掉毛"],
        KO: [
            "며칠 만에 물이 새요.",
            "냄새가 일주일째 안 빠져요.",
            "한 번 세탁했는데 보풀과 털빠짐이 심해요.",
        ],
        EN: [
            "started leaking after a few days",
            "still has a strong chemical smell after a week",
            "shed fibres everywhere after one wash",
        ],
    },
}
REVIEW_TEXTS = {
    ZH: [
        ("2", "色差太大了，实物比图片暗很多"),
        ("3", "物流太慢，等了快一周"),
        ("2", "尺码偏小，平时穿M这个M穿着紧"),
        ("1", "质量一般，洗一次就变形了"),
        ("3", "东西还行，客服回复太慢"),
    ],
    KO: [
        ("2", "사진이랑 색상이 너무 달라요"),
        ("3", "배송이 생각보다 오래 걸렸어요"),
        ("2", "사이즈가 작게 나왔어요"),
        ("1", "한 번 세탁했더니 늘어났어요"),
    ],
    EN: [
        ("2", "Colour looks nothing like the photos."),
        ("3", "Took over a week to arrive."),
        ("2", "Runs small - had to size up."),
        ("1", "Lost its shape after one wash."),
    ],
}
PHISHING_LINKS = {
    ZH: ["http://tb-refund-help.xyz/r/{token}", "http://taobao-tuikuan.top/claim?id={token}"],
    KO: [
        "http://coupang-refund-center.xyz/claim?no={token}",
        "http://cpang-delivery.top/t/{token}",
    ],
    EN: [
        "http://shopify-refund-verify.click/v/{token}",
        "http://parcel-redelivery-fee.xyz/pay/{token}",
    ],
}


SCENARIOS: list[Scenario] = [
    # ------------------------------------------------------------ pre-sales
    Scenario(
        "size_advice",
        "pre_sales",
        ("商品咨询", "尺码建议"),
        {ZH: "{item} 尺码咨询", KO: "{item} 사이즈 문의", EN: "Sizing question: {item}"},
        [
            In(
                {
                    ZH: [
                        "在吗？我身高{height}cm，体重{weight_jin}斤，这款{item}拿什么码合适？",
                        "亲，{item}偏大还是偏小？我平时穿{size}码，{height}/{weight_jin}斤。",
                    ],
                    KO: [
                        "안녕하세요. 키 {height}cm, 몸무게 {weight}kg인데 {item} 사이즈 어떤 "
                        "걸로 하면 될까요?",
                        "평소에 {size} 입는데 {item} 정사이즈인가요?",
                    ],
                    EN: [
                        "Hi! I'm {height} cm and about {weight} kg. Which size of the {item} "
                        "would you recommend?",
                        "Does the {item} run true to size? I usually wear {size}.",
                    ],
                },
                delay="buyer",
            ),
            Reply(
                {
                    ZH: [
                        "亲，根据您的身高体重建议拿{size}码哦，这款版型正常偏宽松，喜欢修身可以"
                        "拍小一码～",
                        "您好，这款是标准码，{height}cm/{weight_jin}斤选{size}码比较合适，肩宽和"
                        "衣长都刚好。",
                    ],
                    KO: [
                        "안녕하세요 고객님, 말씀해주신 체형이면 {size} 사이즈 추천드립니다. 핏이 "
                        "살짝 여유 있는 편이라 "
                        "슬림하게 입으시려면 한 치수 작게 선택하셔도 됩니다."
                    ],
                    EN: [
                        "Hi {first}, thanks for reaching out! Based on your height and weight "
                        "we'd suggest {size}. "
                        "The cut is relaxed, so if you prefer a closer fit you could size down."
                    ],
                }
            ),
            In(
                {
                    ZH: ["好的，那{color}{size}码现在有货吗？几天能到？"],
                    KO: ["{color} {size} 재고 있나요? 언제쯤 받을 수 있을까요?"],
                    EN: ["Great - is the {color} in {size} in stock? How long does shipping take?"],
                },
                p=0.7,
            ),
            Reply(
                {
                    ZH: ["有的亲，{color}{size}码现货，16点前付款当天发出，一般2-3天就到啦。"],
                    KO: [
                        "네 고객님, 현재 재고 있습니다. 오후 2시 전 결제 시 당일 출고되며 보통 "
                        "1~2일 내 도착합니다."
                    ],
                    EN: [
                        "Yes, it's in stock. Orders placed before 2 pm ship the same day and "
                        "usually arrive in 3-5 "
                        "business days."
                    ],
                },
                p=0.9,
            ),
            In(
                {
                    ZH: ["好的，已拍下", "谢谢，我再考虑一下"],
                    KO: ["감사합니다. 바로 주문할게요!", "네 조금 더 고민해볼게요."],
                    EN: ["Perfect, just ordered. Thanks!", "Thanks, I'll think about it."],
                },
                p=0.5,
            ),
        ],
        weight=6,
        weight_potential=40,
        priority=(3, 7, 0, 0),
    ),
    Scenario(
        "restock",
        "pre_sales",
        ("商品咨询", "缺货与到货通知"),
        {
            ZH: "{item} {color} {size} 补货咨询",
            KO: "{item} 재입고 문의",
            EN: "Restock of {item} ({color}, {size})",
        },
        [
            In(
                {
                    ZH: [
                        "{item}的{color}{size}码什么时候补货？一直显示缺货",
                        "请问{style}这款{color}还会有吗？想要{size}码",
                    ],
                    KO: ["{item} {color} {size} 재입고 언제 되나요? 계속 품절이네요."],
                    EN: [
                        "Will the {item} in {color}, size {size}, be restocked? It's been sold "
                        "out for weeks."
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "亲，这个颜色尺码预计下周到货，已经帮您登记到货提醒，到了第一时间通知您～"
                        "同款{alt_color}现在有现货，"
                        "也可以看看哦。"
                    ],
                    KO: [
                        "고객님, 해당 옵션은 다음 주 입고 예정입니다. 재입고 알림 등록해 드렸고 "
                        "입고되면 바로 안내드리겠습니다. "
                        "{alt_color} 색상은 지금 바로 출고 가능합니다."
                    ],
                    EN: [
                        "Thanks for your patience! We expect a restock next week. I've added you "
                        "to the back-in-stock "
                        "list and will message you as soon as it lands. The {alt_color} is "
                        "available right now if "
                        "you'd like an alternative."
                    ],
                }
            ),
            Note(
                {
                    ZH: ["已登记缺货表：客户 {customer}，款号 {style}，尺码 {size}"],
                    KO: ["재입고 알림 명단 등록: 고객 {customer}, 품번 {style}, 사이즈 {size}"],
                    EN: ["Back-in-stock list: {customer}, style {style}, size {size}."],
                },
                p=0.7,
                delay="reply",
            ),
            In(
                {ZH: ["好的，到了告诉我"], KO: ["네 알림 기다릴게요."], EN: ["Great, thanks!"]},
                p=0.5,
            ),
        ],
        weight=3,
        weight_potential=20,
        priority=(4, 6, 0, 0),
    ),
    Scenario(
        "coupon",
        "pre_sales",
        ("商品咨询", "优惠活动"),
        {ZH: "优惠券和满减咨询", KO: "쿠폰 할인 문의", EN: "Discount code question"},
        [
            In(
                {
                    ZH: [
                        "这款{item}有优惠吗？满减怎么算？",
                        "亲，现在下单有券吗？买两件能便宜点吗",
                    ],
                    KO: ["{item} 쿠폰 적용되나요?", "두 개 사면 할인 되나요?"],
                    EN: [
                        "Do you have any discount codes for the {item}?",
                        "Is there a discount if I buy two?",
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "亲，店铺现在有满300减30的券，在商品页领取后下单自动抵扣；这款也参加包邮"
                        "活动哦。"
                    ],
                    KO: [
                        "현재 스토어 5,000원 할인 쿠폰 발급 중입니다. 상품 페이지에서 쿠폰 받기 "
                        "후 결제하시면 자동 적용됩니다."
                    ],
                    EN: [
                        "You can use WELCOME10 for 10% off your first order, and shipping is "
                        "free over $75."
                    ],
                }
            ),
            In({ZH: ["好的，谢谢"], KO: ["감사합니다!"], EN: ["Thank you!"]}, p=0.5),
        ],
        weight=2,
        weight_potential=25,
        priority=(5, 5, 0, 0),
    ),
    Scenario(
        "points",
        "other",
        ("商品咨询", "会员与积分"),
        {ZH: "会员积分怎么用", KO: "적립금 사용 문의", EN: "How do reward points work?"},
        [
            In(
                {
                    ZH: ["我的会员积分怎么抵扣？", "VIP会员有什么权益？"],
                    KO: ["적립금은 어떻게 사용하나요?"],
                    EN: ["How do I use my reward points?"],
                }
            ),
            Reply(
                {
                    ZH: ["亲，100积分抵1元，下单时勾选“使用积分”即可；VIP会员每月还有一张专属券～"],
                    KO: [
                        "적립금은 결제 화면에서 1,000원 단위로 사용하실 수 있습니다. 등급별 추가 "
                        "적립 혜택도 있습니다."
                    ],
                    EN: [
                        'Every 100 points take $1 off at checkout - just tick "use points". VIP '
                        "members also get a "
                        "monthly code."
                    ],
                }
            ),
        ],
        weight=2,
        weight_potential=15,
        priority=(7, 3, 0, 0),
    ),
    # ------------------------------------------------------------ orders
    Scenario(
        "change_address",
        "order",
        ("订单", "修改地址"),
        {
            ZH: "订单 {order} 修改收货地址",
            KO: "주문 {order} 배송지 변경",
            EN: "Change shipping address for {order}",
        },
        [
            In(
                {
                    ZH: ["刚拍的订单{order}地址填错了，能改一下吗？"],
                    KO: ["방금 주문한 {order} 배송지를 잘못 입력했어요. 변경 가능할까요?"],
                    EN: [
                        "I just placed order {order} and the shipping address is wrong. Can you "
                        "change it?"
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "亲，订单还没发货，可以修改的。请把完整的收货地址、收件人和电话发我一下。"
                    ],
                    KO: [
                        "고객님, 아직 출고 전이라 변경 가능합니다. 변경하실 주소와 연락처를 "
                        "남겨주세요."
                    ],
                    EN: [
                        "No problem - it hasn't shipped yet. Please send me the full new address."
                    ],
                }
            ),
            In(
                {
                    ZH: ["{new_address}，{customer}，{phone}"],
                    KO: ["변경 주소: {new_address} / {customer} / {phone}"],
                    EN: ["New address: {new_address}"],
                }
            ),
            Reply(
                {
                    ZH: ["已经帮您改好了，请核对：{new_address}。发货后快递会按新地址派送。"],
                    KO: ["변경 완료되었습니다. 출고 시 변경된 주소로 배송됩니다: {new_address}"],
                    EN: ["Done! Order {order} will ship to: {new_address}."],
                }
            ),
        ],
        order="unshipped",
        weight=6,
        priority=(0, 8, 2, 0),
        channels={"chat": 70, "marketplace": 10, "phone": 20},
    ),
    Scenario(
        "ship_urge",
        "order",
        ("订单", "催发货"),
        {
            ZH: "订单 {order} 还没发货",
            KO: "주문 {order} 출고 지연 문의",
            EN: "Order {order} hasn't shipped",
        },
        [
            In(
                {
                    ZH: [
                        "拍下两天了怎么还没发货？订单号{order}",
                        "亲，{order}什么时候发货啊，急用",
                    ],
                    KO: ["주문한 지 이틀 됐는데 아직 발송이 안 됐어요. 주문번호 {order}"],
                    EN: [
                        "I ordered two days ago ({order}) and it still hasn't shipped. Any update?"
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "亲，非常抱歉让您久等了，这款刚补货到仓，仓库已经加急，今天之内给您发出，"
                        "发货后把单号发您。"
                    ],
                    KO: [
                        "기다리게 해드려 죄송합니다. 물류센터에 확인해보니 금일 출고 예정입니다. "
                        "출고되면 송장번호 안내드리겠습니다."
                    ],
                    EN: [
                        "Sorry for the wait! Our warehouse has it scheduled to ship today - "
                        "you'll get the tracking "
                        "number as soon as it's on its way."
                    ],
                }
            ),
            Note(
                {
                    ZH: ["已联系仓库加急，订单{order}，须在付款后72小时内发出。"],
                    KO: ["물류센터에 긴급 출고 요청함. 주문 {order}, 결제 후 72시간 내 출고 필요."],
                    EN: ["Asked the warehouse to rush {order}; must ship within 72 h of payment."],
                },
                p=0.6,
                delay="reply",
            ),
            In({ZH: ["好的，尽快啊"], KO: ["네 빨리 부탁드려요."], EN: ["OK, thanks."]}, p=0.5),
        ],
        order="waiting",
        weight=5,
        priority=(0, 7, 3, 0),
    ),
    Scenario(
        "invoice",
        "order",
        ("订单", "发票"),
        {
            ZH: "订单 {order} 开发票",
            KO: "주문 {order} 세금계산서 발행 요청",
            EN: "Invoice for order {order}",
        },
        [
            In(
                {
                    ZH: ["订单{order}能开发票吗？抬头：{company}，税号：{tax_id}"],
                    KO: [
                        "주문 {order} 세금계산서 발행 가능할까요? 상호: {company}, 사업자번호: "
                        "{tax_id}"
                    ],
                    EN: [
                        "Could I get an invoice for order {order} made out to {company} ({tax_id})?"
                    ],
                }
            ),
            Reply(
                {
                    ZH: ["可以的亲，电子发票1-3个工作日内开具，开好后在订单详情页就能下载。"],
                    KO: ["네 고객님, 영업일 기준 1~3일 내 발행되며 입력하신 이메일로 발송됩니다."],
                    EN: [
                        "Of course - the invoice will be emailed to you within 1-3 business days."
                    ],
                }
            ),
            Note(
                {
                    ZH: ["已提交财务开票：{company}，金额{amount}"],
                    KO: ["재무팀에 발행 요청: {company}, 금액 {amount}"],
                    EN: ["Invoice requested from finance: {company}, {amount}."],
                },
                delay="reply",
            ),
            Note(
                {
                    ZH: ["发票已开具并上传订单页。"],
                    KO: ["세금계산서 발행 완료."],
                    EN: ["Invoice issued and emailed."],
                },
                who="finance",
                delay="day",
            ),
        ],
        order="completed",
        weight=3,
        priority=(4, 6, 0, 0),
        channels={"chat": 50, "email": 40, "web": 10},
    ),
    # ------------------------------------------------------------ logistics
    Scenario(
        "not_received",
        "logistics",
        ("物流", "未收到"),
        {
            ZH: "物流不更新 {waybill}",
            KO: "배송 조회 멈춤 {waybill}",
            EN: "Tracking stuck: {waybill}",
        },
        [
            In(
                {
                    ZH: [
                        "{carrier}单号{waybill}，物流三天没更新了，是不是丢件了？",
                        "亲，我的快递怎么还没到？订单{order}，物流一直显示在{hub}",
                    ],
                    KO: [
                        "{carrier} 송장번호 {waybill} 배송조회가 3일째 그대로예요. 분실된 건 "
                        "아닌가요?",
                        "주문 {order} 아직 못 받았어요. 배송 지연인가요?",
                    ],
                    EN: [
                        "My tracking ({carrier} {waybill}) hasn't updated in three days. Is the "
                        "parcel lost?",
                        "Where is my order {order}? It says in transit since last week.",
                    ],
                }
            ),
            Reply(
                {
                    ZH: ["亲，给您添麻烦了，我马上联系{carrier}核实，今天之内给您回复。"],
                    KO: [
                        "불편을 드려 죄송합니다. 택배사에 바로 확인 후 오늘 중으로 "
                        "안내드리겠습니다."
                    ],
                    EN: [
                        "I'm sorry about that - I'm contacting {carrier} now and will update you "
                        "today."
                    ],
                }
            ),
            Note(
                {
                    ZH: [
                        "已致电{carrier}客服，工号{carrier_id}，运单{waybill}：包裹在{hub}滞留，"
                        "已催派。经办人{agent}"
                    ],
                    KO: [
                        "{carrier} 고객센터 통화, 상담원 {carrier_id}, 송장 {waybill}: {hub} "
                        "물량 적체, 배송 재요청. 담당 {agent}"
                    ],
                    EN: [
                        "Called {carrier}, rep ID {carrier_id}, waybill {waybill}: held at the "
                        "{hub} facility, "
                        "re-dispatched. Handled by {agent}."
                    ],
                },
                delay="hours",
            ),
            Reply(
                {
                    ZH: [
                        "亲，已经和{carrier}核实过了，包裹在{hub}中转滞留，今天已安排派送，预计明"
                        "天到，再次抱歉。"
                    ],
                    KO: [
                        "확인 결과 {hub} 물량 적체로 지연되었고 내일 중 배송 예정입니다. "
                        "기다리게 해드려 죄송합니다."
                    ],
                    EN: [
                        "Update: {carrier} confirmed the parcel was held at their {hub} facility "
                        "and is back on its "
                        "way - it should arrive tomorrow. Sorry for the delay!"
                    ],
                },
                delay="reply",
            ),
            In(
                {ZH: ["收到了，谢谢"], KO: ["잘 받았습니다."], EN: ["Got it today, thanks."]},
                p=0.5,
                delay="day",
            ),
        ],
        order="in_transit",
        weight=10,
        priority=(0, 7, 3, 0),
    ),
    Scenario(
        "damaged",
        "logistics",
        ("物流", "破损"),
        {
            ZH: "收到商品破损 {order}",
            KO: "상품 파손 접수 {order}",
            EN: "Item arrived damaged ({order})",
        },
        [
            In(
                {
                    ZH: ["收到的{item}外箱压坏了，东西也有{defect}，怎么处理？"],
                    KO: ["받은 {item} 택배 상자가 찌그러져 왔고 제품에도 {defect} 있어요."],
                    EN: [
                        "The {item} arrived today with the box crushed, and there's {defect} on it."
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "亲，非常抱歉！麻烦拍一下外箱、面单和破损处的照片发我，核实后给您补发或退"
                        "款，运费由我们承担。"
                    ],
                    KO: [
                        "고객님 정말 죄송합니다. 외박스, 송장, 파손 부위 사진을 보내주시면 확인 "
                        "후 재발송 또는 환불 처리해 "
                        "드리겠습니다. 배송비는 저희가 부담합니다."
                    ],
                    EN: [
                        "I'm so sorry! Could you send photos of the box, the shipping label and "
                        "the damage? Once I "
                        "have them I'll arrange a replacement or a refund - shipping is on us."
                    ],
                }
            ),
            In(
                {
                    ZH: ["{photo}{photo}{photo} 拍好了"],
                    KO: ["{photo} {photo} 보냈어요"],
                    EN: ["{photo} {photo} Here you go."],
                }
            ),
            Note(
                {
                    ZH: [
                        "已向{carrier}报损：运单{waybill}，外箱破损，货值{item_amount}，款号"
                        "{style}，经办人{agent}"
                    ],
                    KO: [
                        "{carrier} 파손 접수: 송장 {waybill}, 외박스 파손, 상품가 {item_amount}, "
                        "품번 {style}, 담당 {agent}"
                    ],
                    EN: [
                        "Damage claim filed with {carrier}: waybill {waybill}, box crushed, "
                        "value {item_amount}, "
                        "style {style}, handled by {agent}."
                    ],
                },
                delay="reply",
            ),
            Reply(
                {
                    ZH: [
                        "照片收到了，已经给您安排补发，新单号{new_waybill}，破损的那件不用寄回了。"
                    ],
                    KO: [
                        "사진 확인했습니다. 새 상품으로 재발송해 드렸고(송장 {new_waybill}) 파손 "
                        "상품은 보내지 않으셔도 됩니다."
                    ],
                    EN: [
                        "Thanks for the photos. A replacement is on its way (tracking "
                        "{new_waybill}) and you don't "
                        "need to send the damaged one back."
                    ],
                },
                delay="hours",
            ),
            Call(
                {
                    ZH: ["回访：补发件已签收，客户表示满意。"],
                    KO: ["해피콜: 재발송 상품 수령 확인, 만족하심."],
                    EN: ["Follow-up call: replacement received, customer happy."],
                },
                p=0.5,
                delay="days",
            ),
        ],
        order="delivered",
        weight=7,
        priority=(0, 4, 5, 1),
        channels={"chat": 60, "marketplace": 10, "phone": 10, "email": 10, "web": 10},
    ),
    # ------------------------------------------------------------ returns and refunds
    Scenario(
        "return_7day",
        "after_sales",
        ("退换货", "退货"),
        {
            ZH: "七天无理由退货 {order}",
            KO: "단순 변심 반품 {order}",
            EN: "Return request for {order}",
        },
        [
            In(
                {
                    ZH: [
                        "{item}收到了，但是不太喜欢，可以七天无理由退货吗？",
                        "亲，{order}这单想退货，衣服没穿过吊牌都在",
                    ],
                    KO: [
                        "{item} 받았는데 생각했던 느낌이 아니라서 반품하고 싶어요.",
                        "주문 {order} 단순 변심 반품 가능할까요? 택 그대로 있어요.",
                    ],
                    EN: [
                        "Hi, I received the {item} but it's not for me. Can I return it?",
                        "I'd like to return order {order}. Unworn, tags still on.",
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "可以的亲，未穿着、吊牌完好就支持七天无理由退货。{postage_note}请在订单页"
                        "申请退货，寄回时写上订单号{order}。"
                    ],
                    KO: [
                        "네 고객님, 미착용·택 부착 상태라면 수령 후 7일 이내 반품 가능합니다. "
                        "{postage_note}주문번호 {order}로 반품 "
                        "신청해주세요."
                    ],
                    EN: [
                        "Of course! Unworn items with tags attached can be returned within 7 "
                        "days of delivery. "
                        "{postage_note}Please start the return from your order page ({order})."
                    ],
                }
            ),
            In(
                {
                    ZH: ["已经寄回了，{return_carrier}{return_waybill}"],
                    KO: ["회수 접수했어요. {return_carrier} {return_waybill}"],
                    EN: ["Sent it back today, {return_carrier} tracking {return_waybill}."],
                },
                delay="day",
            ),
            Note(
                {
                    ZH: ["退货已签收：吊牌完好、未穿着，可二次销售。"],
                    KO: ["반품 입고 완료: 택 부착, 미착용 확인, 재판매 가능."],
                    EN: ["Return received: tags on, unworn - resellable."],
                },
                who="warehouse",
                delay="days",
            ),
            Note(
                {
                    ZH: ["已原路退款 {item_amount}。"],
                    KO: ["{item_amount} 환불 처리 완료."],
                    EN: ["Refunded {item_amount} to the original payment method."],
                },
                who="finance",
                delay="hours",
                refunds=True,
            ),
            Reply(
                {
                    ZH: [
                        "亲，退货已经收到，质检没问题，退款{item_amount}已原路退回，1-3个工作日到"
                        "账。"
                    ],
                    KO: [
                        "반품 검수 완료되어 {item_amount} 환불 처리되었습니다. 카드사에 따라 "
                        "3~5영업일 소요됩니다."
                    ],
                    EN: [
                        "Your return has arrived and passed inspection. We've refunded "
                        "{item_amount}; it can take "
                        "3-5 business days to show up."
                    ],
                },
                delay="reply",
            ),
        ],
        order="delivered",
        weight=5,
        priority=(1, 8, 1, 0),
        refunds_order=True,
    ),
    Scenario(
        "exchange_size",
        "after_sales",
        ("退换货", "换货"),
        {
            ZH: "尺码不合适换货 {order}",
            KO: "사이즈 교환 요청 {order}",
            EN: "Size exchange for {order}",
        },
        [
            In(
                {
                    ZH: ["{item}尺码不合适，{size}码穿着太{tight_zh}了，能换{new_size}码吗？"],
                    KO: [
                        "{item} {size} 사이즈가 너무 {tight_ko}요. {new_size} 사이즈로 교환 "
                        "가능할까요?"
                    ],
                    EN: ["The {item} in {size} is {tight_en}. Can I exchange it for {new_size}?"],
                }
            ),
            Reply(
                {
                    ZH: [
                        "可以换的亲，请保持吊牌完好寄回，备注订单号{order}和要换的{new_size}码，"
                        "收到后当天换新发出。尺码原因换货的"
                        "运费需要您承担哦。"
                    ],
                    KO: [
                        "네 고객님, 택 제거 전이라면 교환 가능합니다. 사이즈 교환은 왕복 배송비 "
                        "6,000원이 발생하며 동봉해주시면 "
                        "됩니다. 회수 접수해 드릴까요?"
                    ],
                    EN: [
                        "Absolutely. Please send it back unworn with tags attached and note "
                        "order {order} and size "
                        "{new_size}. For size exchanges the return postage is at your cost."
                    ],
                }
            ),
            In(
                {
                    ZH: ["已寄出，{return_carrier}{return_waybill}"],
                    KO: ["네 회수 접수해주세요. 배송비는 동봉할게요."],
                    EN: ["Sent it back today, tracking {return_waybill}."],
                },
                delay="buyer",
            ),
            Note(
                {
                    ZH: ["换货件已签收，质检无问题，已换{new_size}码重新发出，单号{new_waybill}。"],
                    KO: [
                        "교환 회수품 입고, 이상 없음. {new_size} 사이즈 재출고, 송장 {new_waybill}."
                    ],
                    EN: [
                        "Exchange return received, fine. Sent size {new_size}, tracking "
                        "{new_waybill}."
                    ],
                },
                who="warehouse",
                delay="days",
            ),
            Reply(
                {
                    ZH: ["亲，换的{new_size}码已经发出了，单号{new_waybill}，注意查收～"],
                    KO: ["교환 상품 {new_size} 사이즈 출고되었습니다. 송장번호 {new_waybill}"],
                    EN: ["Your {new_size} is on its way - tracking {new_waybill}."],
                },
                delay="reply",
            ),
            In(
                {
                    ZH: ["收到了，这次合适"],
                    KO: ["잘 맞네요 감사합니다."],
                    EN: ["Fits perfectly now, thanks!"],
                },
                p=0.4,
                delay="days",
            ),
        ],
        order="delivered",
        weight=8,
        priority=(1, 9, 0, 0),
        extra={"needs_size": True},
    ),
    Scenario(
        "refund_wait",
        "after_sales",
        ("退换货", "退款"),
        {
            ZH: "退货后未收到退款 {order}",
            KO: "환불 지연 문의 {order}",
            EN: "Refund not received for {order}",
        },
        [
            In(
                {
                    ZH: ["退货寄回去五天了，单号{return_waybill}，钱怎么还没退？"],
                    KO: [
                        "반품 보낸 지 5일 됐는데 환불이 아직 안 됐어요. 회수 송장 {return_waybill}"
                    ],
                    EN: [
                        "I sent my return five days ago (tracking {return_waybill}) and still no "
                        "refund."
                    ],
                }
            ),
            Reply(
                {
                    ZH: ["亲，抱歉让您久等了，我马上帮您查一下，今天给您答复。"],
                    KO: ["기다리게 해드려 죄송합니다. 바로 확인 후 오늘 중 안내드리겠습니다."],
                    EN: [
                        "Sorry for the wait - I'm checking with our returns team now and will "
                        "get back to you today."
                    ],
                }
            ),
            Note(
                {
                    ZH: ["@财务 订单{order}的退货仓库已签收，质检通过，请确认退款{item_amount}。"],
                    KO: [
                        "재무팀: 주문 {order} 반품 입고·검수 완료, {item_amount} 환불 확인 "
                        "부탁드립니다."
                    ],
                    EN: [
                        "Finance: return for {order} received and inspected, please confirm the "
                        "refund of {item_amount}."
                    ],
                },
                delay="reply",
            ),
            Note(
                {
                    ZH: ["已退款{item_amount}，原路返回。"],
                    KO: ["{item_amount} 환불 완료 (원결제수단)."],
                    EN: ["Refunded {item_amount} to the original card."],
                },
                who="finance",
                delay="hours",
                refunds=True,
            ),
            Reply(
                {
                    ZH: [
                        "亲，财务已经给您退款{item_amount}了，原路返回，请注意查收，再次抱歉让您"
                        "久等。"
                    ],
                    KO: [
                        "고객님, {item_amount} 환불 완료되었습니다. 카드 취소는 영업일 기준 "
                        "3~5일 소요될 수 있습니다."
                    ],
                    EN: [
                        "Good news: your refund of {item_amount} has been issued. Depending on "
                        "your bank it can "
                        "take 3-5 business days."
                    ],
                },
                delay="reply",
            ),
        ],
        order="delivered",
        weight=3,
        priority=(0, 6, 4, 0),
        refunds_order=True,
    ),
    # ------------------------------------------------------------ complaints
    Scenario(
        "quality_complaint",
        "complaint",
        ("投诉", "质量问题"),
        {ZH: "质量投诉：{item}", KO: "품질 불만: {item}", EN: "Quality complaint: {item}"},
        [
            In(
                {
                    ZH: ["{item}{quality_issue}，这质量也太差了，我要退款！{photo}{photo}"],
                    KO: ["{item} {quality_issue} 너무 실망스럽네요. 환불해주세요. {photo}"],
                    EN: [
                        "My {item} {quality_issue}. I'm really disappointed and want a refund. "
                        "{photo}"
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "亲，照片收到了，非常抱歉给您带来不好的体验。确认是质量问题的话我们全额退"
                        "款或换新，来回运费都由我们"
                        "承担，两个工作日内给您处理结果。"
                    ],
                    KO: [
                        "사진 확인했습니다. 불편을 드려 정말 죄송합니다. 품질 문제로 확인되면 "
                        "전액 환불 또는 새 상품으로 교환해 "
                        "드리며 왕복 배송비는 저희가 부담합니다. 영업일 기준 2일 내 결과 "
                        "안내드리겠습니다."
                    ],
                    EN: [
                        "Thank you for the photo, and I'm very sorry about this. If it's a "
                        "quality fault we'll refund "
                        "in full or replace it, with shipping both ways on us. You'll hear back "
                        "from us within two "
                        "business days."
                    ],
                }
            ),
            Note(
                {
                    ZH: [
                        "判断：质量问题成立。原因：批次{batch}面料/做工问题，责任在供应商。方案一"
                        "：全额退款{item_amount}；"
                        "方案二：换新+20元无门槛券。请主管审批。"
                    ],
                    KO: [
                        "판단: 품질 불량 확인. 원인: 생산 로트 {batch}, 공급사 책임. 1안: "
                        "{item_amount} 전액 환불, "
                        "2안: 새 상품 교환 + 5,000원 쿠폰. 책임자 승인 요청."
                    ],
                    EN: [
                        "Assessment: genuine quality fault, batch {batch}, supplier responsible. "
                        "Option 1: full refund "
                        "of {item_amount}. Option 2: replacement + $10 credit. Lead approval "
                        "needed."
                    ],
                },
                delay="reply",
            ),
            Note(
                {
                    ZH: ["同意方案一，另外补一张20元无门槛券表示歉意。处理完3天内回访。"],
                    KO: [
                        "1안 승인, 사과의 의미로 5,000원 쿠폰 추가 지급. 처리 후 3일 내 해피콜 "
                        "진행."
                    ],
                    EN: [
                        "Approve option 1 and add a $10 credit as an apology. Call back within 3 "
                        "days."
                    ],
                },
                who="lead",
                delay="hours",
                refunds=True,
            ),
            Reply(
                {
                    ZH: [
                        "亲，已核实是质量问题，给您全额退款{item_amount}，另送一张20元无门槛券，"
                        "商品不用寄回。再次向您道歉！"
                    ],
                    KO: [
                        "품질 문제 확인되어 {item_amount} 전액 환불 처리했고 5,000원 할인 쿠폰을 "
                        "발급해 드렸습니다. 상품은 "
                        "반송하지 않으셔도 됩니다. 다시 한번 사과드립니다."
                    ],
                    EN: [
                        "We've confirmed the fault and refunded {item_amount} in full, plus a "
                        "$10 credit on your "
                        "account. No need to send the item back. Again, our apologies."
                    ],
                },
                delay="reply",
            ),
            Call(
                {
                    ZH: ["处理后回访：客户已收到退款，接受处理方案，满意度：满意。"],
                    KO: ["처리 후 해피콜: 환불 확인, 해결 방안에 만족하심."],
                    EN: [
                        "Follow-up call after resolution: refund received, customer accepts the "
                        "solution and is satisfied."
                    ],
                },
                delay="days",
                p=0.8,
                seconds=(90, 420),
            ),
        ],
        order="delivered",
        weight=4,
        priority=(0, 1, 6, 3),
        refunds_order=True,
        channels={"chat": 45, "phone": 25, "email": 15, "web": 15},
    ),
    Scenario(
        "service_complaint",
        "complaint",
        ("投诉", "服务态度"),
        {ZH: "服务投诉：回复慢", KO: "상담 응대 불만", EN: "Complaint about slow replies"},
        [
            In(
                {
                    ZH: ["昨天问了三次都没人回，回了也是复制粘贴，态度太差了，我要投诉！"],
                    KO: [
                        "어제 세 번이나 문의했는데 답이 없고, 답변도 복붙이네요. 너무 불친절합니다."
                    ],
                    EN: [
                        "I messaged three times yesterday with no reply, and the answer I "
                        "finally got was copy-paste. "
                        "This is really poor service."
                    ],
                }
            ),
            Reply(
                {
                    ZH: [
                        "非常抱歉给您不好的体验，您反映的情况我已经如实记录并上报主管，今天之内给"
                        "您答复。"
                    ],
                    KO: [
                        "불편을 드려 진심으로 죄송합니다. 말씀하신 내용은 책임자에게 그대로 "
                        "전달했고 오늘 중으로 답변드리겠습니다."
                    ],
                    EN: [
                        "I'm truly sorry. I've recorded exactly what happened and passed it to "
                        "my team lead; you'll "
                        "hear from us today."
                    ],
                }
            ),
            Note(
                {
                    ZH: ["服务投诉登记：客户反映回复慢、答非所问。核查：昨晚值班时段咨询积压。"],
                    KO: [
                        "응대 불만 등록: 답변 지연 및 형식적 답변. 확인 결과 전날 야간 문의 적체."
                    ],
                    EN: [
                        "Service complaint logged: slow and generic replies. Checked: backlog "
                        "during last night's shift."
                    ],
                },
                delay="reply",
            ),
            Call(
                {
                    ZH: ["主管回电致歉，说明已调整排班，客户接受道歉。"],
                    KO: ["책임자 사과 전화, 근무 조정 내용 안내, 고객 수용."],
                    EN: [
                        "Lead called to apologise and explained the rota change; customer accepted."
                    ],
                },
                who="lead",
                delay="hours",
                seconds=(120, 480),
            ),
            Reply(
                {
                    ZH: ["再次感谢您的反馈，我们已经调整了客服排班，以后会更快回复您。"],
                    KO: [
                        "소중한 의견 감사합니다. 상담 인력을 조정하여 앞으로 더 빠르게 "
                        "답변드리겠습니다."
                    ],
                    EN: [
                        "Thank you again for telling us. We've changed our shift rota so replies "
                        "will be faster."
                    ],
                },
                delay="reply",
                p=0.7,
            ),
        ],
        order=None,
        weight=2,
        priority=(0, 0, 4, 6),
    ),
    # ------------------------------------------------------------ reviews
    Scenario(
        "negative_review",
        "review",
        ("评价", "中差评"),
        {
            ZH: "{stars}星评价：{order}",
            KO: "{stars}점 리뷰: {order}",
            EN: "{stars}-star review on {order}",
        },
        [
            In(
                {
                    ZH: ["【{stars}星评价】{review_text}"],
                    KO: ["[상품평 {stars}점] {review_text}"],
                    EN: ["[{stars}-star review] {review_text}"],
                }
            ),
            Note(
                {
                    ZH: ["中差评已复制到订单备注（紫旗），登记评价表。{agent}跟进。"],
                    KO: ["낮은 평점 리뷰 주문 메모에 복사, 리뷰 관리표 등록. 담당 {agent}."],
                    EN: [
                        "Low review copied to the order note and logged in the review table. "
                        "{agent} following up."
                    ],
                },
                delay="reply",
            ),
            Call(
                {
                    ZH: ["电话联系买家：了解原因，提出换货或补偿优惠券。"],
                    KO: ["고객 통화: 불만 사유 확인, 교환 또는 쿠폰 보상 제안."],
                    EN: ["Called the buyer: heard the reason, offered an exchange or a credit."],
                },
                delay="hours",
                outcome="answered",
            ),
            Reply(
                {
                    ZH: [
                        "亲，看到您的评价了，非常抱歉。已经给您发了一张30元无门槛券，需要换货随时"
                        "找我。如果您觉得满意了，"
                        "麻烦在“我的评价”里帮忙修改一下，谢谢您！"
                    ],
                    KO: [
                        "고객님, 남겨주신 리뷰 확인했습니다. 불편을 드려 죄송합니다. 5,000원 "
                        "쿠폰 발급해 드렸고 교환도 "
                        "가능합니다. 괜찮으시다면 마이쿠팡 > 리뷰 관리에서 리뷰 수정 부탁드립니다."
                    ],
                    EN: [
                        "Hi {first}, I saw your review and I'm sorry we let you down. I've added "
                        "a $10 credit to your "
                        "account and can exchange the item any time. If we've made it right, you "
                        "can edit the "
                        "review from the link in your order email."
                    ],
                },
                delay="reply",
            ),
            In(
                {
                    ZH: ["好吧，已经改了"],
                    KO: ["네 수정했어요."],
                    EN: ["Updated it. Thanks for sorting it out."],
                },
                p=0.5,
                delay="day",
            ),
        ],
        order="delivered",
        weight=6,
        priority=(0, 5, 5, 0),
        channels={"marketplace": 100},
    ),
    # ------------------------------------------------------------ suspicious links
    Scenario(
        "phishing",
        "after_sales",
        ("退换货", "退款"),
        {ZH: "买家转来可疑退款链接", KO: "의심 링크 문의", EN: "Suspicious refund link"},
        [
            In(
                {
                    ZH: [
                        "客服你好，我收到短信说订单{order}退款失败，要点这个链接重新申请：{link}"
                        " 是你们发的吗？",
                        "亲，你们家的东西有质量问题，详情和图片在这里 {link} 看完给我退款",
                    ],
                    KO: [
                        "주문 {order} 환불 오류라고 문자가 왔는데 이 링크로 들어가라네요. "
                        "맞나요? {link}",
                        "상품 문제 사진 여기 올렸어요 {link} 확인하고 환불해주세요",
                    ],
                    EN: [
                        "Got an email saying my refund for {order} failed and I need to verify "
                        "here: {link} - is "
                        "that you?",
                        "Photos of the problem are here: {link} please refund me",
                    ],
                }
            ),
            Note(
                {
                    ZH: ["陌生链接，未点击。已提醒买家不要输入账号密码，请其直接发截图。"],
                    KO: ["출처 불명 링크, 클릭하지 않음. 고객에게 스크린샷 요청."],
                    EN: ["Unknown link, not opened. Asked the customer for screenshots instead."],
                },
                delay="reply",
            ),
            Reply(
                {
                    ZH: [
                        "亲，这不是我们发的！请不要点击链接，也不要填写任何账号、密码或验证码。退"
                        "款只在官方订单页处理，"
                        "方便的话直接截图发给我们。"
                    ],
                    KO: [
                        "고객님, 저희가 보낸 메시지가 아닙니다. 링크를 누르지 마시고 개인정보나 "
                        "카드정보를 입력하지 마세요. "
                        "환불은 앱 주문 내역에서만 진행되며, 확인이 필요하시면 스크린샷을 "
                        "보내주세요."
                    ],
                    EN: [
                        "That message didn't come from us - please don't click the link or enter "
                        "any card details. "
                        "Refunds only ever happen on your order page. If you like, send us a "
                        "screenshot instead."
                    ],
                },
                delay="reply",
            ),
            In(
                {
                    ZH: ["好的，幸好问了一下"],
                    KO: ["아 다행이네요. 감사합니다."],
                    EN: ["Glad I asked, thank you."],
                },
                p=0.6,
            ),
        ],
        order="delivered",
        weight=1,
        priority=(0, 3, 6, 1),
        needs_link=True,
        channels={"chat": 70, "email": 20, "sms": 10},
    ),
]

# Postage wording for a change-of-mind return (002 篇4: the buyer pays both ways).
POSTAGE_NOTE = {
    ZH: "不喜欢退货的话来回运费需要您承担，有运费险的会自动理赔。",
    KO: "단순 변심 반품은 왕복 배송비 6,000원이 차감됩니다. ",
    EN: "For change-of-mind returns the postage both ways is at your cost. ",
}
TIGHT = {
    "small": {ZH: "小", KO: "작아", EN: "too small"},
    "big": {ZH: "大", KO: "커", EN: "too big"},
}
