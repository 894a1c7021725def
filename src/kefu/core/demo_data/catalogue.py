"""What the demo business sells, in each shop's language and currency, and who carries it."""

from __future__ import annotations

from decimal import Decimal

ZH, KO, EN = "zh-hans", "ko", "en"

COLOURS = {
    "BLK": {ZH: "黑色", KO: "블랙", EN: "Black"},
    "WHT": {ZH: "白色", KO: "화이트", EN: "White"},
    "CML": {ZH: "驼色", KO: "카멜", EN: "Camel"},
    "OAT": {ZH: "燕麦色", KO: "오트밀", EN: "Oatmeal"},
    "GRY": {ZH: "浅灰", KO: "그레이", EN: "Grey"},
    "NVY": {ZH: "藏青", KO: "네이비", EN: "Navy"},
    "PNK": {ZH: "樱花粉", KO: "핑크", EN: "Blush"},
    "IVR": {ZH: "象牙白", KO: "아이보리", EN: "Ivory"},
    "KHK": {ZH: "卡其", KO: "카키", EN: "Khaki"},
    "GRN": {ZH: "墨绿", KO: "딥그린", EN: "Forest"},
    "LBL": {ZH: "浅蓝", KO: "연청", EN: "Light wash"},
    "IND": {ZH: "深蓝", KO: "진청", EN: "Indigo"},
    "FLR": {ZH: "碎花", KO: "플라워", EN: "Floral"},
    "SLV": {ZH: "银色", KO: "실버", EN: "Silver"},
}

# Size runs per kind and language.
SIZES = {
    "top": {
        ZH: ["S", "M", "L", "XL"],
        KO: ["85", "90", "95", "100", "105"],
        EN: ["XS", "S", "M", "L", "XL"],
    },
    "waist": {
        ZH: ["25", "26", "27", "28", "29", "30"],
        KO: ["25", "26", "27", "28", "29", "30"],
        EN: ["25", "26", "27", "28", "29", "30", "31", "32"],
    },
    "shoe": {
        ZH: [str(n) for n in range(36, 45)],
        KO: [str(n) for n in range(230, 285, 5)],
        EN: ["6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "11"],
    },
    "bed": {ZH: ["1.5m床", "1.8m床"], KO: ["SS", "Q", "K"], EN: ["Queen", "King"]},
    "none": {ZH: [""], KO: [""], EN: [""]},
}

# kind of goods decides which defects and quality problems a buyer reports
APPAREL, ELECTRONICS, HOME = "apparel", "electronics", "home"


class Product:
    def __init__(self, style, goods, size_kind, colours, titles, prices, max_qty=1):
        self.style = style
        self.goods = goods
        self.size_kind = size_kind
        self.colours = colours
        self.titles = titles
        self.prices = {k: Decimal(v) for k, v in prices.items()}
        self.max_qty = max_qty


PRODUCTS = [
    Product(
        "SK2301",
        APPAREL,
        "top",
        ["BLK", "CML", "OAT"],
        {
            ZH: "双面羊毛呢大衣 中长款",
            KO: "울 블렌드 더블페이스 롱코트",
            EN: "Double-Face Wool Blend Coat",
        },
        {"CNY": "899.00", "KRW": "169000", "USD": "189.00"},
    ),
    Product(
        "JN2215",
        APPAREL,
        "waist",
        ["LBL", "IND", "BLK"],
        {ZH: "高腰直筒牛仔裤", KO: "하이웨스트 스트레이트 데님", EN: "High-Rise Straight Jeans"},
        {"CNY": "259.00", "KRW": "49900", "USD": "59.00"},
    ),
    Product(
        "TS2408",
        APPAREL,
        "top",
        ["WHT", "BLK", "GRY", "PNK"],
        {ZH: "新疆棉圆领短袖T恤", KO: "코튼 라운드 반팔 티셔츠", EN: "Organic Cotton Crew Tee"},
        {"CNY": "79.00", "KRW": "15900", "USD": "24.00"},
        max_qty=3,
    ),
    Product(
        "SH2312",
        APPAREL,
        "top",
        ["IVR", "NVY"],
        {ZH: "桑蚕丝印花衬衫", KO: "실크 프린트 셔츠", EN: "Printed Silk Shirt"},
        {"CNY": "459.00", "KRW": "89000", "USD": "98.00"},
    ),
    Product(
        "DW2320",
        APPAREL,
        "top",
        ["BLK", "NVY", "KHK"],
        {ZH: "轻薄白鸭绒羽绒服", KO: "경량 덕다운 패딩 점퍼", EN: "Lightweight Down Jacket"},
        {"CNY": "599.00", "KRW": "119000", "USD": "139.00"},
    ),
    Product(
        "KN2302",
        APPAREL,
        "top",
        ["OAT", "GRN", "GRY"],
        {ZH: "宽松针织开衫", KO: "루즈핏 니트 가디건", EN: "Relaxed Knit Cardigan"},
        {"CNY": "299.00", "KRW": "59000", "USD": "68.00"},
    ),
    Product(
        "DR2406",
        APPAREL,
        "top",
        ["BLK", "FLR"],
        {ZH: "法式收腰连衣裙", KO: "프렌치 허리라인 원피스", EN: "Wrap Midi Dress"},
        {"CNY": "369.00", "KRW": "69000", "USD": "79.50"},
    ),
    Product(
        "SN2105",
        APPAREL,
        "shoe",
        ["WHT", "BLK"],
        {ZH: "百搭厚底小白鞋", KO: "데일리 플랫폼 스니커즈", EN: "Everyday Platform Sneakers"},
        {"CNY": "369.00", "KRW": "79000", "USD": "85.00"},
    ),
    Product(
        "EA2401",
        ELECTRONICS,
        "none",
        ["BLK", "WHT"],
        {
            ZH: "主动降噪蓝牙耳机",
            KO: "노이즈캔슬링 블루투스 이어폰",
            EN: "Noise-Cancelling Wireless Earbuds",
        },
        {"CNY": "499.00", "KRW": "89000", "USD": "79.99"},
    ),
    Product(
        "PB2203",
        ELECTRONICS,
        "none",
        ["BLK", "WHT"],
        {
            ZH: "20000mAh快充移动电源",
            KO: "20000mAh 고속충전 보조배터리",
            EN: "20,000 mAh Fast-Charge Power Bank",
        },
        {"CNY": "149.00", "KRW": "32900", "USD": "34.99"},
        max_qty=2,
    ),
    Product(
        "SW2310",
        ELECTRONICS,
        "none",
        ["BLK", "PNK"],
        {
            ZH: "心率血氧智能手环",
            KO: "심박 측정 스마트 밴드",
            EN: "Fitness Band with Heart-Rate Monitor",
        },
        {"CNY": "229.00", "KRW": "45900", "USD": "49.00"},
    ),
    Product(
        "BD2208",
        HOME,
        "bed",
        ["WHT", "GRY"],
        {ZH: "全棉磨毛床品四件套", KO: "순면 피치스킨 침구 세트", EN: "Brushed Cotton Bedding Set"},
        {"CNY": "399.00", "KRW": "79000", "USD": "89.00"},
    ),
    Product(
        "PL2102",
        HOME,
        "none",
        ["WHT"],
        {ZH: "泰国天然乳胶枕", KO: "천연 라텍스 베개", EN: "Natural Latex Pillow"},
        {"CNY": "189.00", "KRW": "39000", "USD": "45.00"},
        max_qty=2,
    ),
    Product(
        "CP2305",
        HOME,
        "none",
        ["SLV", "BLK", "PNK"],
        {
            ZH: "316不锈钢保温杯 500ml",
            KO: "316 스텐 보온 텀블러 500ml",
            EN: "Insulated Steel Tumbler 500 ml",
        },
        {"CNY": "89.00", "KRW": "19800", "USD": "22.00"},
        max_qty=2,
    ),
]

BRANDS = {
    ZH: ["云裳", "优衣库", "太平鸟", "ZARA", "UR", "江南布衣"],
    KO: ["윤샹", "무신사 스탠다드", "유니클로", "SPAO", "8seconds", "탑텐"],
    EN: ["Yunshang", "Everlane", "Uniqlo", "J.Crew", "COS", "Madewell"],
}

# carrier, weight, waybill pattern. "SF{13}": SF and 13 digits;
# "1Z{6A}{10}": 1Z, 6 capital letters or digits, 10 digits.
CARRIERS = {
    "tmall": [("顺丰速运", 4, "SF{13}"), ("中通快递", 3, "7{13}"), ("圆通速递", 3, "YT{13}")],
    "taobao": [("中通快递", 4, "7{13}"), ("圆通速递", 4, "YT{13}"), ("顺丰速运", 1, "SF{13}")],
    "coupang": [("CJ대한통운", 7, "6{11}"), ("한진택배", 3, "5{11}")],
    "shopify": [("USPS", 6, "9400{18}"), ("UPS", 4, "1Z{6A}{10}")],
}
RETURN_CARRIERS = {
    "zh-hans": [("中通快递", "7{13}"), ("圆通速递", "YT{13}"), ("顺丰速运", "SF{13}")],
    "ko": [("CJ대한통운", "6{11}"), ("한진택배", "5{11}")],
    "en": [("USPS", "9400{18}"), ("UPS", "1Z{6A}{10}")],
}
HUBS = {
    "zh-hans": ["杭州转运中心", "广州白云分拨中心", "武汉转运中心", "上海青浦集散中心"],
    "ko": ["옥천 허브", "대전 허브", "곤지암 허브"],
    "en": ["Memphis", "Louisville", "Chicago", "East Midlands"],
}

BUYER_NOTES = {
    ZH: [
        "请发顺丰，谢谢",
        "送人的，不要放发票和价格单",
        "尽快发货，周末要穿",
        "麻烦包装好一点",
        "放快递柜就行",
        "工作日白天家里没人，请放门卫",
    ],
    KO: [
        "배송 전 연락 부탁드립니다",
        "문 앞에 놓아주세요",
        "선물용이라 가격표 빼주세요",
        "경비실에 맡겨주세요",
        "빠른 배송 부탁드려요",
    ],
    EN: [
        "Please leave at the front desk",
        "It's a gift - no receipt in the box, please",
        "Buzzer 3B, ring twice",
        "Need it before Friday if possible",
    ],
}
SELLER_NOTES = {
    ZH: [
        "买家要求发顺丰，已补运费差价",
        "老客户，随单送小样",
        "已备注：尺码改为L",
        "同款缺货，已和买家确认换色",
    ],
    KO: ["단골 고객, 사은품 동봉", "옵션 변경 요청 반영함", "합포장 요청"],
    EN: [
        "Repeat buyer - add a thank-you card",
        "Customer asked to combine shipping",
        "Gift wrap requested",
    ],
}

COMPANIES = {
    ZH: [
        ("杭州青禾文化传媒有限公司", "91330106MA2H3K7X5Q"),
        ("深圳市星港科技有限公司", "91440300MA5F2RL61K"),
        ("上海宜行贸易有限公司", "91310115MA1K4B9T3N"),
    ],
    KO: [("주식회사 하늘소프트", "214-86-31547"), ("(주)바른디자인", "105-87-62019")],
    EN: [("Northfield Studio LLC", "EIN 84-3920175"), ("Harbour & Pine Ltd", "VAT GB 291 4480 62")],
}
