"""drf-spectacular hooks: every operation documents the contract's error body."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "slot_full"},
                "message": {"type": "string", "example": "该时段已约满"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}

_DESCRIPTIONS = {
    "400": "输入有误（code 说明原因，fields 指出具体字段）",
    "401": "未登录或登录已失效",
    "403": "没有权限",
    "404": "不存在",
    "409": "与当前状态冲突（如已约满、重复请求处理中）",
    "429": "操作太频繁",
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            wanted = ["400"] if method == "get" else ["400", "429"]
            if {} not in (operation.get("security") or [{}]):  # the operation needs a login
                wanted += ["401", "403"]
            if "{" in path:
                wanted.append("404")
            responses = operation.setdefault("responses", {})
            for code in wanted:
                responses.setdefault(
                    code, {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}
                )
    return result
