"""Addresses and phone formats per country."""

from __future__ import annotations

from kefu.core.demo_data import words

# province, city, district, postcode, streets
ZH_PLACES = [
    ("浙江省", "杭州市", "西湖区", "310012", ["文三路", "教工路", "古墩路", "天目山路"]),
    ("浙江省", "宁波市", "鄞州区", "315100", ["天童南路", "首南中路", "钱湖北路"]),
    ("上海市", "上海市", "浦东新区", "200120", ["张杨路", "世纪大道", "杨高南路", "碧云路"]),
    ("上海市", "上海市", "徐汇区", "200030", ["漕溪北路", "天钥桥路", "宜山路"]),
    ("北京市", "北京市", "朝阳区", "100020", ["朝阳门外大街", "建国路", "望京街", "东三环中路"]),
    ("北京市", "北京市", "海淀区", "100080", ["中关村大街", "学院路", "知春路"]),
    ("广东省", "深圳市", "南山区", "518052", ["科技园南路", "南海大道", "后海大道", "深南大道"]),
    ("广东省", "广州市", "天河区", "510620", ["天河路", "体育西路", "珠江新城华夏路"]),
    ("江苏省", "南京市", "鼓楼区", "210008", ["中山北路", "广州路", "湖南路"]),
    ("江苏省", "苏州市", "工业园区", "215021", ["星湖街", "现代大道", "金鸡湖大道"]),
    ("四川省", "成都市", "武侯区", "610041", ["天府大道北段", "人民南路四段", "科华北路"]),
    ("湖北省", "武汉市", "洪山区", "430070", ["珞喻路", "光谷大道", "雄楚大道"]),
    ("福建省", "厦门市", "思明区", "361001", ["湖滨南路", "莲前西路", "鹭江道"]),
    ("山东省", "青岛市", "市南区", "266071", ["香港中路", "闽江路", "南京路"]),
    ("陕西省", "西安市", "雁塔区", "710061", ["小寨东路", "长安南路", "科技路"]),
    ("重庆市", "重庆市", "渝北区", "401120", ["金开大道", "新南路", "黄山大道"]),
    ("河南省", "郑州市", "金水区", "450008", ["花园路", "农业路", "经三路"]),
    ("湖南省", "长沙市", "岳麓区", "410006", ["麓山南路", "枫林三路", "桐梓坡路"]),
    ("辽宁省", "沈阳市", "和平区", "110001", ["南京北街", "青年大街", "三好街"]),
    ("云南省", "昆明市", "五华区", "650032", ["东风西路", "一二一大街", "人民中路"]),
]
ZH_ESTATES = words(
    "阳光花园 锦绣家园 翠苑 金色港湾 绿城桂花苑 万科城 和平小区 星河湾 紫荆公寓 新华里"
)

# region, city/district, postcode prefix, roads
KO_PLACES = [
    ("서울특별시", "강남구", "06", ["테헤란로", "논현로", "선릉로", "압구정로"]),
    ("서울특별시", "마포구", "04", ["월드컵로", "양화로", "독막로"]),
    ("서울특별시", "송파구", "05", ["올림픽로", "송파대로", "백제고분로"]),
    ("서울특별시", "노원구", "01", ["동일로", "노원로", "한글비석로"]),
    ("경기도", "성남시 분당구", "13", ["판교역로", "정자일로", "황새울로"]),
    ("경기도", "수원시 영통구", "16", ["광교중앙로", "봉영로", "매영로"]),
    ("경기도", "고양시 일산동구", "10", ["중앙로", "정발산로", "일산로"]),
    ("부산광역시", "해운대구", "48", ["해운대로", "센텀중앙로", "달맞이길"]),
    ("인천광역시", "연수구", "21", ["컨벤시아대로", "송도과학로", "인천타워대로"]),
    ("대구광역시", "수성구", "42", ["달구벌대로", "동대구로", "들안로"]),
    ("대전광역시", "유성구", "34", ["대학로", "계룡로", "엑스포로"]),
    ("광주광역시", "서구", "61", ["상무중앙로", "치평로", "무진대로"]),
]
KO_BUILDINGS = words("래미안 자이 푸르지오 힐스테이트 e편한세상 아이파크 더샵 롯데캐슬")

# country, state/region, city, time zone, postcode(s), phone area codes, streets
EN_PLACES = [
    (
        "US",
        "CA",
        "San Francisco",
        "America/Los_Angeles",
        ["94110", "94117", "94122"],
        ["415"],
        ["Valencia St", "Haight St", "Irving St", "Folsom St"],
    ),
    (
        "US",
        "CA",
        "Los Angeles",
        "America/Los_Angeles",
        ["90026", "90039", "90066"],
        ["213", "323"],
        ["Sunset Blvd", "Glendale Blvd", "Venice Blvd"],
    ),
    (
        "US",
        "WA",
        "Seattle",
        "America/Los_Angeles",
        ["98103", "98115"],
        ["206"],
        ["Fremont Ave N", "Roosevelt Way NE", "Stone Way N"],
    ),
    (
        "US",
        "OR",
        "Portland",
        "America/Los_Angeles",
        ["97214", "97209"],
        ["503"],
        ["SE Hawthorne Blvd", "NW 23rd Ave", "SE Division St"],
    ),
    (
        "US",
        "NY",
        "Brooklyn",
        "America/New_York",
        ["11211", "11215", "11238"],
        ["718", "347"],
        ["Bedford Ave", "7th Ave", "Atlantic Ave", "Court St"],
    ),
    (
        "US",
        "MA",
        "Boston",
        "America/New_York",
        ["02116", "02130"],
        ["617"],
        ["Boylston St", "Centre St", "Tremont St"],
    ),
    (
        "US",
        "IL",
        "Chicago",
        "America/Chicago",
        ["60614", "60622"],
        ["312", "773"],
        ["N Clark St", "W Division St", "N Milwaukee Ave"],
    ),
    (
        "US",
        "TX",
        "Austin",
        "America/Chicago",
        ["78704", "78751"],
        ["512"],
        ["S Lamar Blvd", "Guadalupe St", "E Cesar Chavez St"],
    ),
    (
        "GB",
        "England",
        "London",
        "Europe/London",
        ["E8 3RL", "N1 7GU", "SE15 4QN", "SW9 8LF"],
        [],
        ["Mare Street", "Upper Street", "Rye Lane", "Brixton Road"],
    ),
    (
        "GB",
        "England",
        "Manchester",
        "Europe/London",
        ["M4 1HN", "M20 6RT"],
        [],
        ["Oldham Street", "Burton Road", "Wilmslow Road"],
    ),
    (
        "GB",
        "Scotland",
        "Edinburgh",
        "Europe/London",
        ["EH6 8RG", "EH9 1PR"],
        [],
        ["Leith Walk", "Causewayside", "Easter Road"],
    ),
]

# Chinese mobile prefixes (carrier blocks).
ZH_MOBILE_PREFIXES = words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177 178 "
    "180 181 182 185 186 187 188 189 198 199"
)

PHONE_LABELS = {
    "zh-hans": ("手机", "工作"),
    "ko": ("휴대폰", "회사"),
    "en": ("mobile", "work"),
}

# Mailboxes use the reserved example domains so the demo can never mail a real person.
MAIL_DOMAINS = ["example.com", "example.net", "example.org"]
