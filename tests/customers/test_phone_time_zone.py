from kefu.customers.normalize import time_zone_for_phone


def test_country_codes_with_one_zone_name_it():
    assert time_zone_for_phone("821012345678") == "Asia/Seoul"
    assert time_zone_for_phone("8613800138000") == "Asia/Shanghai"
    assert time_zone_for_phone("85291234567") == "Asia/Hong_Kong"
    assert time_zone_for_phone("886912345678") == "Asia/Taipei"


def test_plus_one_unknown_and_garbage_say_nothing():
    assert time_zone_for_phone("12125550123") == ""
    assert time_zone_for_phone("4930123456") == ""
    assert time_zone_for_phone("") == ""
    assert time_zone_for_phone("abc") == ""
