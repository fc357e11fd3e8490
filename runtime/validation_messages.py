"""Request-validation messages (FastAPI's 422) in the caller's language: pydantic writes them
in English, and a Chinese-speaking agent or customer should read them in Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.intake import Language

# By pydantic's error type; {name} is filled from the error's ctx.
ZH: Mapping[str, str] = {
    "missing": "必填字段",
    "extra_forbidden": "不允许的字段",
    "query_unknown": "未知的查询参数 {parameter}；此接口接受：{accepted}",
    "string_type": "应为字符串",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求：{pattern}",
    "string_unicode": "应为有效的 Unicode 文本（含无法编码的代理字符）",
    "string_noncharacter": "应为正常文本（含 Unicode 非字符）",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "应为 ISO 8601 日期时间",
    "datetime_from_date_parsing": "应为 ISO 8601 日期时间",
    "date_parsing": "应为 ISO 8601 日期",
    "date_from_datetime_parsing": "应为 ISO 8601 日期",
    "timezone_aware": "应带时区",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "url_parsing": "应为有效的网址",
    "url_scheme": "网址协议应为 {expected_schemes}",
    "json_invalid": "JSON 格式无效",
    "json_type": "应为 JSON",
    "value_error": "取值无效：{error}",
}


def message(error: Mapping[str, Any], language: Language | str) -> str:
    """The error's message in `language`; pydantic's own (English) when there is no better."""
    if language != Language.ZH or (template := ZH.get(error["type"])) is None:
        return error["msg"]
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return ZH[error["type"]].split("{", 1)[0].rstrip("：: ") or error["msg"]
