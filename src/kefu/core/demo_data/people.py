"""Names of buyers and the demo team, per language."""

from __future__ import annotations

from kefu.core.demo_data import words

ZH, KO, EN = "zh-hans", "ko", "en"

# The demo team. Usernames are the logins `make run` prints.
STAFF = [
    # username, role, display name, language, time zone, capacity
    ("admin", "admin", "系统管理员", "zh-hans", "Asia/Shanghai", 1),
    ("lead", "lead", "李主管", "zh-hans", "Asia/Shanghai", 4),
    ("agent", "agent", "王芳", "zh-hans", "Asia/Shanghai", 12),
    ("agent2", "agent", "김민지", "ko", "Asia/Seoul", 10),
    ("agent3", "agent", "Emily Carter", "en", "UTC", 8),
    ("finance", "finance", "陈静（财务）", "zh-hans", "Asia/Shanghai", 5),
    ("warehouse", "warehouse", "刘强（仓库）", "zh-hans", "Asia/Shanghai", 5),
]

TEAMS = {
    "售前组": ["agent", "agent3"],
    "售后组": ["lead", "agent", "agent3"],
    "한국팀": ["agent2", "lead"],
}

# How new tickets find their team (see tickets.routing): Korean buyers go to the Korean
# team, pre-sales questions to the pre-sales team, the rest to after-sales.
TEAM_ROUTING = {
    "한국팀": {"languages": ["ko"], "position": 10},
    "售前组": {"kinds": ["pre_sales", "other"], "position": 20},
    "售后组": {"position": 30},
}

QUICK_REPLIES = [
    (
        "/refund7",
        "7-day no-reason return",
        {
            "body_zh": "{name}您好，订单{order}支持七天无理由退货。请在订单页申请退货，"
            "寄回时填写运单号，我们收到后会尽快为您退款{refund_amount}。",
            "body_ko": "{name}님, 안녕하세요. 주문 {order}은 7일 이내 단순 변심 반품이 가능합니다. "
            "주문 페이지에서 반품 신청 후 운송장 번호를 입력해 주시면 "
            "확인 즉시 {refund_amount} 환불해 드리겠습니다.",
            "body_en": "Hello {name}, order {order} can be returned within 7 days for any reason. "
            "Please request the return on the order page and enter the return waybill; "
            "we will refund {refund_amount} as soon as it arrives.",
        },
    ),
    (
        "/where",
        "Where is my parcel",
        {
            "body_zh": "{name}您好，您的订单{order}已发出，运单号{waybill}，"
            "可在物流页面查看最新进度，有问题随时联系我们。",
            "body_ko": "{name}님, 주문 {order}은 발송되었습니다. 운송장 번호는 {waybill}이며 "
            "배송 조회에서 진행 상황을 확인하실 수 있습니다.",
            "body_en": "Hello {name}, your order {order} is on its way with waybill {waybill}; "
            "you can follow it on the carrier's tracking page.",
        },
    ),
    (
        "/thanks",
        "Thank you",
        {
            "body_zh": "感谢您的耐心，{agent}随时为您服务。",
            "body_ko": "기다려 주셔서 감사합니다. 언제든 {agent}에게 문의해 주세요.",
            "body_en": "Thank you for your patience; {agent} is here whenever you need us.",
        },
    ),
]

# Which agent owns (and answers) buyers of each language.
OWNER_BY_LANGUAGE = {ZH: "agent", KO: "agent2", EN: "agent3"}

ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万"
)
ZH_GIVEN = words(
    "欣怡 子涵 雨桐 浩然 梓轩 思远 晓雯 静怡 婷婷 俊杰 志强 丽娜 佳琪 雪 磊 敏 芳 伟 娜 洋 勇 "
    "艳 杰 军 秀英 桂兰 晨曦 一诺 若曦 雨萱 可馨 梦琪 天宇 博文 嘉怡 明轩 雅琴 海燕 建华 文静 "
    "立新 小龙 春梅 国平 晓东 悦 琳 倩 昊 凯 慧敏 嘉欣 子墨 书瑶 宇航 诗涵 紫萱 振宇 晓峰 玉兰"
)

KO_SURNAMES = words("김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 전 홍 유 고 문 양 손")
KO_GIVEN = words(
    "민준 서연 지우 하은 도윤 수아 예준 지민 현우 유진 서준 민서 지호 채원 준서 다은 승민 은지 "
    "성민 혜진 영호 미경 정훈 수빈 지훈 소영 동현 나연 재원 보람 상우 예린 태현 가은 진우 하늘 "
    "경민 선희 우진 아름"
)
# Latin syllables for Coupang IDs and mailbox names of Korean buyers.
KO_HANDLE_PARTS = words(
    "min seo ji hyun soo jun young eun ha yoon dong hee jae sung na woo bo ye tae kyung"
)

EN_FIRST = words(
    "Emma Olivia Liam Noah Ava Sophia James Mia Lucas Harper Ethan Amelia Benjamin Ella Henry "
    "Grace Jack Chloe Daniel Lily Samuel Zoe Owen Hannah Ryan Nora Caleb Leah Isaac Maya Oliver "
    "Ruby Theo Alice Marcus Priya Diego Aisha Connor Fiona"
)
EN_LAST = words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
    "Jackson White Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker Adams "
    "Nelson Hill Campbell Mitchell Roberts Turner Parker Collins Edwards Stewart Morris Murphy "
    "Cook Rogers Morgan Cooper Reed Bailey Bell Kelly Howard Ward Hughes Foster Price Bennett "
    "Wood Ross Patel Nguyen Garcia Khan O'Brien"
)

# Taobao nicknames are built from a cute word and a number, or a "tb" serial.
ZH_NICK_WORDS = words(
    "小雨 晴天 猫咪 阿狸 糖糖 大橙子 木子 安安 小鹿 柠檬 豆豆 一一 七七 小熊 小鱼儿 布丁 栗子 "
    "奶茶 星星 蓝莓 饭团 花卷"
)
ZH_NICK_SUFFIX = ["", "的小窝", "爱购物", "酱", "吖", "要开心", "不吃香菜"]
ZH_MAILBOX_WORDS = words(
    "xiaoyu tangtang lemon sunny momo lili anan doudou qiqi mumu xingxing pudding orange panda "
    "yiyi chenchen"
)
